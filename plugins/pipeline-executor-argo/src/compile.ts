import { createHash } from "node:crypto";
import { RunnableError, type NodeDef, type PlanGraph, type PlanStep } from "@runnable-ts/sdk";
import type { ArgoConfig, ArgoOverride } from "./config";

/** A manifest object (Workflow or CronWorkflow) as plain data. */
export type Manifest = Record<string, unknown>;
type Template = Record<string, unknown>;
type Task = Record<string, unknown>;

/** What the compiler needs besides the plan. */
export interface CompileInput {
  readonly plan: PlanGraph;
  /** Nodes by plan internal name (`*` for run-time branch keys). */
  readonly nodes: ReadonlyMap<string, NodeDef>;
  readonly definitionFile: string;
  readonly exportName?: string | undefined;
  readonly configFile?: string | undefined;
  readonly parametersFile?: string | undefined;
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Default `generateName` (from the pipeline file's name). */
  readonly baseName: string;
  /** `TRACEPARENT` of the compiling process, when traced. */
  readonly traceparent?: string | undefined;
}

const RUN_ID = "{{workflow.parameters.run_id}}";
/** Where a fan-out pod writes the branches to run (its output parameter `branches`). */
export const BRANCHES_FILE = "/tmp/runnable-branches.json";
/** The executable and script that start the runnable CLI inside the image, relative to working_dir. */
const CLI = ["node", "node_modules/@runnable-ts/cli/dist/bin.js"];
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ROOT_TEMPLATE = "runnable-dag";
/** Tasks an Argo DAG template may hold (its schema's maxItems). */
const MAX_DAG_TASKS = 200;
/** Tasks per DAG template when a longer graph is split. */
const CHUNK = 150;

/**
 * A step name as a DNS-1123 label (Argo task names): lower case, `_`, `.` and spaces as `-`,
 * at most 63 characters.
 * @throws RunnableError `E_DEFINITION_INVALID` naming the step when that is not possible.
 */
export function taskName(step: string, internalName: string): string {
  const name = step.toLowerCase().replace(/[ _.]+/g, "-");
  if (name.length > 63 || !DNS_LABEL.test(name))
    throw new RunnableError(
      "E_GRAPH_INVALID",
      `argo: step "${internalName}" cannot become a Kubernetes name: "${name}" is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters); rename the step`,
      { step: internalName },
    );
  return name;
}

/**
 * Compiles a plan to an Argo `Workflow` (or `CronWorkflow` with `cron`): one DAG template per
 * graph, a container template per leaf step running `runnable execute-single-node`, fannable
 * composites as fan-out → branches (`withParam` over the fan-out's `branches` output, `when`
 * for a branch key) → fan-in, other composites (a loop) as one pod running the whole step.
 * @throws RunnableError `E_DEFINITION_INVALID` for a step name that cannot become a task name;
 *   `E_CONFIG_INVALID` for an unknown override.
 */
export function compileWorkflow(config: ArgoConfig, input: CompileInput): Manifest {
  const compiler = new Compiler(config, input);
  compiler.graph(input.plan, ROOT_TEMPLATE, ROOT);
  const scalars = Object.entries(input.parameters).filter(([, v]) => v === null || ["string", "number", "boolean"].includes(typeof v));
  const spec: Record<string, unknown> = {
    entrypoint: ROOT_TEMPLATE,
    arguments: {
      parameters: [
        { name: "run_id", value: "{{workflow.name}}" },
        { name: "retry_run_id", value: "" },
        { name: "retry_indicator", value: "" },
        ...scalars.map(([name, value]) => ({ name, value: typeof value === "string" ? value : JSON.stringify(value) })),
      ],
    },
    templates: compiler.templates,
    ...(config.service_account_name ? { serviceAccountName: config.service_account_name } : {}),
    ...(config.parallelism ? { parallelism: config.parallelism } : {}),
    ...(config.active_deadline_seconds ? { activeDeadlineSeconds: config.active_deadline_seconds } : {}),
    ...(config.node_selector ? { nodeSelector: config.node_selector } : {}),
    ...(config.tolerations ? { tolerations: config.tolerations } : {}),
    ...(config.volumes.length ? { volumes: config.volumes.map((v) => ({ name: v.name, persistentVolumeClaim: { claimName: v.claim_name, ...(v.read_only ? { readOnly: true } : {}) } })) } : {}),
  };
  const generateName = config.generate_name ?? `${input.baseName}-`;
  if (config.cron) {
    const name = generateName.replace(/-+$/, "");
    return {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "CronWorkflow",
      metadata: { name, namespace: config.namespace },
      spec: { schedules: config.cron.schedules, ...(config.cron.timezone ? { timezone: config.cron.timezone } : {}), workflowSpec: spec },
    };
  }
  return { apiVersion: "argoproj.io/v1alpha1", kind: "Workflow", metadata: { generateName, namespace: config.namespace }, spec };
}

/** Where a template sits: how many run-time branch keys deep, and whether inside a branch at all. */
interface Scope {
  readonly depth: number;
  readonly inBranch: boolean;
}

const ROOT: Scope = { depth: 0, inBranch: false };

class Compiler {
  readonly templates: Template[] = [];
  /** Container templates by their content: steps that need the same container share one. */
  private readonly shared = new Map<string, string>();
  private first = true;

  constructor(
    private readonly config: ArgoConfig,
    private readonly input: CompileInput,
  ) {}

  /** A DAG template for `graph`. */
  graph(graph: PlanGraph, name: string, scope: Scope): void {
    // The start step first: the first container made (the run's first pod) creates the run log.
    const steps = Object.values(graph.steps).sort((a, b) => Number(b.name === graph.startAt) - Number(a.name === graph.startAt));
    const names = new Map<string, string>();
    const used = new Map<string, string>();
    for (const step of steps) {
      const task = taskName(step.name, step.internalName);
      const clash = used.get(task);
      if (clash) throw new RunnableError("E_GRAPH_INVALID", `argo: steps "${clash}" and "${step.internalName}" both become the task name "${task}"; rename one`, { step: step.internalName });
      used.set(task, step.internalName);
      names.set(step.name, task);
    }
    // Who leads to each step: a success (`next`) or a failure (`on_failure`, else the fail step).
    const incoming = new Map<string, string[]>();
    const add = (to: string | undefined, clause: string) => {
      if (to === undefined) return;
      incoming.set(to, [...(incoming.get(to) ?? []), clause]);
    };
    for (const step of steps) {
      const task = names.get(step.name) ?? "";
      add(step.next, `${task}.Succeeded`);
      add(step.onFailure ?? step.failStep, `${task}.Failed`);
    }
    const tasks: Task[] = [];
    for (const step of steps) {
      const depends = incoming.get(step.name);
      if (step.name !== graph.startAt && !depends) continue; // unreachable (an unused fail step)
      tasks.push({
        name: names.get(step.name),
        ...this.step(step, scope),
        ...(depends && step.name !== graph.startAt ? { depends: depends.join(" || ") } : {}),
      });
    }
    if (tasks.length <= MAX_DAG_TASKS) this.templates.push({ name, ...inputsFor(scope), dag: { failFast: false, tasks } });
    else this.chunked(graph, name, scope, tasks, names);
  }

  /**
   * A graph of more steps than an Argo DAG may hold (200) as a chain of DAG templates of at
   * most {@link CHUNK} tasks each (`<name>-<i>`), each after the one before; the graph's fail
   * step runs after any chunk that failed. Possible when the steps follow one another and
   * every failure that leaves a chunk goes to the fail step.
   * @throws RunnableError `E_GRAPH_INVALID` naming the graph when its routing cannot be split so.
   */
  private chunked(graph: PlanGraph, name: string, scope: Scope, tasks: Task[], names: ReadonlyMap<string, string>): void {
    const where = graph.branch || "the pipeline";
    const failStep = Object.values(graph.steps).find((st) => st.terminal === "fail");
    const failTask = failStep ? names.get(failStep.name) : undefined;
    const order: Task[] = [];
    const byName = new Map(tasks.map((t) => [String(t.name), t]));
    for (let step: PlanStep | undefined = graph.steps[graph.startAt]; step; step = step.next !== undefined ? graph.steps[step.next] : undefined) {
      const task = byName.get(names.get(step.name) ?? "");
      if (!task || order.includes(task)) break;
      order.push(task);
    }
    const rest = tasks.filter((t) => !order.includes(t) && t.name !== failTask);
    if (rest.length > 0)
      throw new RunnableError(
        "E_GRAPH_INVALID",
        `argo: ${where} has ${tasks.length} steps, more than an Argo DAG holds (${MAX_DAG_TASKS}), and steps off its main line (${rest.slice(0, 3).map((t) => String(t.name)).join(", ")}); split it into composite steps of at most ${MAX_DAG_TASKS} steps`,
        { step: graph.branch },
      );
    const chunks: Task[][] = [];
    for (let i = 0; i < order.length; i += CHUNK) chunks.push(order.slice(i, i + CHUNK));
    const inChunk = (chunk: Task[]) => new Set(chunk.map((t) => String(t.name)));
    const parent: Task[] = [];
    chunks.forEach((chunk, i) => {
      const members = inChunk(chunk);
      const local = chunk.map((t) => {
        const clauses = String(t.depends ?? "").split(" || ").filter(Boolean);
        const kept = clauses.filter((c) => members.has(c.split(".")[0] ?? ""));
        const { depends: _dropped, ...restTask } = t;
        return kept.length ? { ...restTask, depends: kept.join(" || ") } : restTask;
      });
      const chunkName = `${name}-${i}`;
      this.templates.push({ name: chunkName, ...inputsFor(scope), dag: { failFast: false, tasks: local } });
      parent.push({ name: `part-${i}`, template: chunkName, ...(i > 0 ? { depends: `part-${i - 1}.Succeeded` } : {}), ...passInputs(scope) });
    });
    const fail = failTask ? byName.get(failTask) : undefined;
    if (fail) parent.push({ ...fail, depends: chunks.map((_, i) => `part-${i}.Failed`).join(" || ") });
    this.templates.push({ name, ...inputsFor(scope), dag: { failFast: false, tasks: parent } });
  }

  /** The template (and its arguments) that carries out `step`. */
  private step(step: PlanStep, scope: Scope): Task {
    if (step.composite && !step.fannable && step.subgraphs && Object.keys(step.subgraphs).length === 1 && step.subgraphs["*"]) return this.iterated(step, scope, step.subgraphs["*"]);
    if (!step.composite || !step.fannable || !step.subgraphs) return this.container(step, scope, "run");
    const id = templateId(step);
    // The fan-out first: it may be the run's first pod (which creates the run log).
    const fanOut = this.container(step, scope, "fan-out");
    const branchTasks: Task[] = [];
    for (const [key, sub] of Object.entries(step.subgraphs)) {
      const dynamic = key === "*";
      const subScope: Scope = { depth: dynamic ? scope.depth + 1 : scope.depth, inBranch: true };
      const subName = `${id}-${dynamic ? "branch" : branchId(key)}`;
      this.graph(sub, subName, subScope);
      branchTasks.push({
        name: dynamic ? "branch" : `b-${branchId(key)}`,
        template: subName,
        depends: "fan-out.Succeeded",
        withParam: "{{tasks.fan-out.outputs.parameters.branches}}",
        // A static branch (parallel, conditional) runs when the fan-out listed its key.
        ...(dynamic ? {} : { when: `'{{item.key}}' == '${key}'` }),
        arguments: {
          parameters: [
            ...keyParams(scope.depth),
            ...(dynamic ? [{ name: `key-${scope.depth}`, value: "{{item.key}}" }] : []),
            { name: "iter", value: "{{item.iter_variable}}" },
          ],
        },
      });
    }
    const ended = branchTasks.map(({ name }) => `(${String(name)}.Succeeded || ${String(name)}.Failed || ${String(name)}.Errored || ${String(name)}.Skipped || ${String(name)}.Omitted)`).join(" && ");
    this.templates.push({
      name: id,
      ...inputsFor(scope),
      dag: {
        failFast: false,
        tasks: [
          { name: "fan-out", ...fanOut },
          ...branchTasks,
          { name: "fan-in", ...this.container(step, scope, "fan-in"), depends: ended },
        ],
      },
    });
    return { template: id, ...passInputs(scope) };
  }

  /**
   * A composite whose branches depend on each other (a loop) as a recursive template: `fan …
   * next` opens the next branch (none when the loop is done), the branch runs, and the template
   * calls itself after it succeeded; a fan-in after the last (or failed) one merges them.
   */
  private iterated(step: PlanStep, scope: Scope, sub: PlanGraph): Task {
    const id = templateId(step);
    const iter = `${id}-iteration`;
    const body = `${id}-branch`;
    const next = this.container(step, scope, "fan-next");
    this.graph(sub, body, { depth: scope.depth + 1, inBranch: true });
    this.templates.push({
      name: iter,
      ...inputsFor(scope),
      dag: {
        failFast: false,
        tasks: [
          { name: "next", ...next },
          {
            name: "branch",
            template: body,
            depends: "next.Succeeded",
            withParam: "{{tasks.next.outputs.parameters.branches}}",
            arguments: { parameters: [...keyParams(scope.depth), { name: `key-${scope.depth}`, value: "{{item.key}}" }, { name: "iter", value: "{{item.iter_variable}}" }] },
          },
          { name: "again", template: iter, depends: "branch.Succeeded", ...passInputs(scope) },
        ],
      },
    });
    this.templates.push({
      name: id,
      ...inputsFor(scope),
      dag: {
        failFast: false,
        tasks: [
          { name: "iterations", template: iter, ...passInputs(scope) },
          { name: "fan-in", ...this.container(step, scope, "fan-in"), depends: "iterations.Succeeded || iterations.Failed || iterations.Errored" },
        ],
      },
    });
    return { template: id, ...passInputs(scope) };
  }

  /**
   * The container template that runs one command of the step, and the task arguments that
   * call it. Steps that need the same container (same override, secrets, retries, timeout)
   * share one template; the step's internal name is its `step` input.
   */
  private container(step: PlanStep, scope: Scope, kind: "run" | "fan-out" | "fan-next" | "fan-in"): Task {
    const node = this.input.nodes.get(step.internalName);
    const override = this.override(node, step.internalName);
    const internalName = "{{inputs.parameters.step}}";
    const create = this.first;
    this.first = false;
    const args = [
      ...(kind === "run" ? ["execute-single-node", RUN_ID, this.input.definitionFile, internalName] : ["fan", RUN_ID, this.input.definitionFile, internalName, kind.slice("fan-".length)]),
      ...(scope.inBranch ? ["--iter-variable", "{{inputs.parameters.iter}}"] : []),
      ...(this.input.configFile ? ["-c", this.input.configFile] : []),
      ...(this.input.exportName ? ["--export", this.input.exportName] : []),
      ...(create ? ["--create", ...(this.input.parametersFile ? ["-p", this.input.parametersFile] : [])] : []),
      ...(kind === "fan-out" || kind === "fan-next" ? ["--output-file", BRANCHES_FILE, "--quiet"] : []),
      // Argo retries the pod (retryStrategy.limit = max_attempts - 1): one attempt per pod.
      ...(kind === "run" && typeof node?.max_attempts === "number" && node.max_attempts > 1 ? ["--one-attempt"] : []),
    ];
    const secrets = kind === "run" && Array.isArray(node?.secrets) ? (node.secrets as string[]) : [];
    if (secrets.length && !this.config.secrets_from_k8s)
      throw new RunnableError("E_CONFIG_INVALID", `argo: step "${step.internalName}" needs secrets (${secrets.join(", ")}) and the executor config has no secrets_from_k8s (the Kubernetes Secret holding them)`, {
        step: step.internalName,
        path: "secrets_from_k8s",
      });
    const env = [
      { name: "RUNNABLE_RETRY_RUN_ID", value: "{{workflow.parameters.retry_run_id}}" },
      { name: "RUNNABLE_RETRY_INDICATOR", value: "{{workflow.parameters.retry_indicator}}" },
      ...(this.input.traceparent ? [{ name: "TRACEPARENT", value: this.input.traceparent }] : []),
      ...(create ? this.scalarParameterNames().map((p) => ({ name: `RUNNABLE_PRM_${p}`, value: `{{workflow.parameters.${p}}}` })) : []),
      ...this.config.env,
      ...(override.env ?? []),
      ...secrets.map((s) => ({ name: s, valueFrom: { secretKeyRef: { name: this.config.secrets_from_k8s, key: s } } })),
    ];
    const resources = override.resources ?? this.config.resources;
    const pullPolicy = override.image_pull_policy ?? this.config.image_pull_policy;
    const maxAttempts = kind === "run" && typeof node?.max_attempts === "number" ? node.max_attempts : 1;
    const timeoutMs = kind === "run" && typeof node?.timeout_ms === "number" ? node.timeout_ms : undefined;
    const nodeSelector = override.node_selector;
    const tolerations = override.tolerations;
    const body: Template = {
      inputs: { parameters: [{ name: "step" }, ...(scope.inBranch ? [{ name: "iter" }] : [])] },
      ...(kind === "fan-out" || kind === "fan-next" ? { outputs: { parameters: [{ name: "branches", valueFrom: { path: BRANCHES_FILE } }] } } : {}),
      ...(maxAttempts > 1 || this.config.retry_strategy ? { retryStrategy: this.retryStrategy(maxAttempts, node) } : {}),
      ...(timeoutMs !== undefined ? { activeDeadlineSeconds: Math.max(1, Math.ceil(timeoutMs / 1000)) } : {}),
      ...(nodeSelector ? { nodeSelector } : {}),
      ...(tolerations ? { tolerations } : {}),
      container: {
        name: "main",
        image: override.image ?? this.config.image,
        ...(pullPolicy ? { imagePullPolicy: pullPolicy } : {}),
        command: CLI,
        args,
        workingDir: this.config.working_dir,
        env,
        ...(resources ? { resources } : {}),
        ...(this.config.volumes.length ? { volumeMounts: this.config.volumes.map((v) => ({ name: v.name, mountPath: v.mount_path, ...(v.read_only ? { readOnly: true } : {}) })) } : {}),
      },
    };
    const key = JSON.stringify(body);
    let name = this.shared.get(key);
    if (!name) {
      name = `${kind}-${createHash("sha256").update(key).digest("hex").slice(0, 10)}`;
      this.shared.set(key, name);
      this.templates.push({ name, ...body });
    }
    const parameters = [{ name: "step", value: dynamicName(step.internalName) }, ...(scope.inBranch ? [{ name: "iter", value: "{{inputs.parameters.iter}}" }] : [])];
    return { template: name, arguments: { parameters } };
  }

  /** `retryStrategy`: the config's, with `limit` = max_attempts − 1 (for a step with more than one attempt) and the step's retry_delay_ms as the backoff when the config sets none. */
  private retryStrategy(maxAttempts: number, node: NodeDef | undefined): Record<string, unknown> {
    const delayMs = typeof node?.retry_delay_ms === "number" ? node.retry_delay_ms : 0;
    const base = this.config.retry_strategy ?? {};
    return { ...base, ...(maxAttempts > 1 || base.limit === undefined ? { limit: maxAttempts - 1 } : {}), ...(delayMs > 0 && base.backoff === undefined ? { backoff: { duration: `${Math.ceil(delayMs / 1000)}s` } } : {}) };
  }

  private scalarParameterNames(): string[] {
    return Object.entries(this.input.parameters)
      .filter(([, v]) => v === null || ["string", "number", "boolean"].includes(typeof v))
      .map(([k]) => k);
  }

  private override(node: NodeDef | undefined, step: string): ArgoOverride {
    const name = (node?.overrides as Record<string, string> | undefined)?.argo;
    if (name === undefined) return {};
    const found = this.config.overrides[name];
    if (!found) {
      const known = Object.keys(this.config.overrides);
      throw new RunnableError(
        "E_CONFIG_INVALID",
        `Step "${step}" asks for the argo override "${name}", which the executor's config does not define (${known.length ? `known: ${known.join(", ")}` : "it has no overrides"}); add it under overrides: or fix the step's overrides`,
        { plugin: "argo", step, path: `overrides.${name}` },
      );
    }
    return found;
  }
}

/** Inputs of a template inside a branch: `key-0…` (run-time branch keys) and `iter` (the branch's variables). */
function inputsFor(scope: Scope): Record<string, unknown> {
  if (!scope.inBranch) return {};
  return { inputs: { parameters: [...Array.from({ length: scope.depth }, (_, i) => ({ name: `key-${i}` })), { name: "iter" }] } };
}

function keyParams(depth: number): { name: string; value: string }[] {
  return Array.from({ length: depth }, (_, i) => ({ name: `key-${i}`, value: `{{inputs.parameters.key-${i}}}` }));
}

/** Arguments that pass a template's own inputs on to a task. */
function passInputs(scope: Scope): Record<string, unknown> {
  if (!scope.inBranch) return {};
  return { arguments: { parameters: [...keyParams(scope.depth), { name: "iter", value: "{{inputs.parameters.iter}}" }] } };
}

/** The internal name with each run-time key (`*`) replaced by the template's input for it. */
function dynamicName(internalName: string): string {
  let i = 0;
  return internalName
    .split(".")
    .map((segment) => (segment === "*" ? `{{inputs.parameters.key-${i++}}}` : segment))
    .join(".");
}

function templateId(step: PlanStep): string {
  const hash = createHash("sha256").update(step.internalName).digest("hex").slice(0, 8);
  const base = step.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40) || "step";
  return `${base}-${hash}`;
}

function branchId(key: string): string {
  const base = key.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 30) || "b";
  return `${base}-${createHash("sha256").update(key).digest("hex").slice(0, 6)}`;
}
