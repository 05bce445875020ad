/*
 * A small executor of Argo Workflow manifests, for tests (not a product feature): walks DAG
 * templates with Argo's semantics — `depends` (enhanced) and `dependencies`, `when`,
 * `withParam` / `withItems`, inputs and outputs parameters (`valueFrom.path`),
 * `retryStrategy.limit`, templates calling templates (recursion), `{{workflow.*}}` — and hands
 * each container template to a `ContainerRunner` (podman in the acceptance tests).
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are untyped JSON walked by field name
type Obj = Record<string, any>;

/** Phase of an Argo node. */
export type Phase = "Succeeded" | "Failed" | "Errored" | "Skipped" | "Omitted";

/** What a container run needs: the container spec with every `{{…}}` substituted. */
export interface ContainerRun {
  readonly template: string;
  readonly container: Obj;
  /** Output files to read back (paths inside the container). */
  readonly outputPaths: readonly string[];
}

/** Runs one container; resolves to its exit code and the content of the requested output files. */
export type ContainerRunner = (run: ContainerRun) => Promise<{ exitCode: number; outputs: Record<string, string> }>;

/** The outcome of a workflow: its phase and every container run (template and attempt). */
export interface WorkflowOutcome {
  phase: Phase;
  pods: { template: string; args: string[]; exitCode: number }[];
}

/** Executes `workflow` (a Workflow, or a CronWorkflow's workflowSpec) with `parameters` overriding its arguments. */
export async function runWorkflow(workflow: Obj, options: { name: string; parameters?: Record<string, string>; container: ContainerRunner }): Promise<WorkflowOutcome> {
  const spec: Obj = workflow.kind === "CronWorkflow" ? workflow.spec.workflowSpec : workflow.spec;
  const templates = new Map<string, Obj>(spec.templates.map((t: Obj) => [t.name, t]));
  const globals: Record<string, string> = { "workflow.name": options.name, "workflow.uid": `uid-${options.name}` };
  for (const p of spec.arguments?.parameters ?? []) globals[`workflow.parameters.${p.name}`] = options.parameters?.[p.name] ?? substitute(String(p.value ?? ""), globals);
  const pods: WorkflowOutcome["pods"] = [];

  async function runTemplate(name: string, inputs: Record<string, string>, depth: number): Promise<{ phase: Phase; outputs: Record<string, string> }> {
    if (depth > 100) throw new Error(`recursion too deep at template ${name}`);
    const template = templates.get(name);
    if (!template) throw new Error(`no template ${name}`);
    const vars: Record<string, string> = { ...globals };
    for (const p of template.inputs?.parameters ?? []) {
      const value = inputs[p.name] ?? p.value;
      if (value === undefined) throw new Error(`template ${name}: input ${p.name} not given`);
      vars[`inputs.parameters.${p.name}`] = String(value);
    }
    if (template.container) {
      const container = JSON.parse(JSON.stringify(template.container), (_k, v) => (typeof v === "string" ? substitute(v, vars) : v));
      const outputs: Obj[] = template.outputs?.parameters ?? [];
      const limit = Number(template.retryStrategy?.limit ?? 0);
      for (let attempt = 0; ; attempt++) {
        const result = await options.container({ template: name, container, outputPaths: outputs.map((o) => o.valueFrom.path) });
        pods.push({ template: name, args: container.args, exitCode: result.exitCode });
        if (result.exitCode === 0) return { phase: "Succeeded", outputs: Object.fromEntries(outputs.map((o) => [o.name, (result.outputs[o.valueFrom.path] ?? "").trim()])) };
        if (attempt >= limit) return { phase: "Failed", outputs: {} };
      }
    }
    if (template.dag) return { phase: await runDag(template.dag, vars, depth), outputs: {} };
    throw new Error(`template ${name}: only container and dag templates are supported`);
  }

  async function runDag(dag: Obj, vars: Record<string, string>, depth: number): Promise<Phase> {
    const tasks: Obj[] = dag.tasks;
    const phases = new Map<string, Phase>();
    const outputs = new Map<string, Record<string, string>>();
    const dependsOf = (task: Obj): string => task.depends ?? (task.dependencies ?? []).map((d: string) => `(${d}.Succeeded || ${d}.Skipped || ${d}.Daemoned)`).join(" && ");
    const referenced = (task: Obj): string[] => [...dependsOf(task).matchAll(/([A-Za-z0-9-]+)\.[A-Z]/g)].map((m) => m[1] as string).concat(dependsOf(task).match(/^[A-Za-z0-9-]+$/) ? [dependsOf(task)] : []);
    while (phases.size < tasks.length) {
      const ready = tasks.find((t) => !phases.has(t.name) && referenced(t).every((r) => phases.has(r)));
      if (!ready) throw new Error(`DAG deadlock: ${tasks.filter((t) => !phases.has(t.name)).map((t) => t.name).join(", ")}`);
      const expr = dependsOf(ready);
      if (expr && !evalDepends(expr, phases)) {
        phases.set(ready.name, "Omitted");
        continue;
      }
      const local: Record<string, string> = { ...vars };
      for (const [task, out] of outputs) for (const [k, v] of Object.entries(out)) local[`tasks.${task}.outputs.parameters.${k}`] = v;
      const items: unknown[] | undefined = ready.withParam !== undefined ? JSON.parse(substitute(ready.withParam, local)) : ready.withItems;
      const runOne = async (item: unknown): Promise<Phase> => {
        const scope = { ...local, ...itemVars(item) };
        if (ready.when !== undefined && !evalWhen(substitute(ready.when, scope))) return "Skipped";
        const args = Object.fromEntries((ready.arguments?.parameters ?? []).map((p: Obj) => [p.name, substitute(String(p.value), scope)]));
        const result = await runTemplate(ready.template, args, depth + 1);
        if (items === undefined) outputs.set(ready.name, result.outputs);
        return result.phase;
      };
      if (items === undefined) phases.set(ready.name, await runOne(undefined));
      else {
        const children: Phase[] = [];
        for (const item of items) children.push(await runOne(item));
        phases.set(ready.name, children.some((p) => p === "Failed" || p === "Errored") ? "Failed" : children.length === 0 || children.every((p) => p === "Skipped") ? "Skipped" : "Succeeded");
      }
      if (dag.failFast !== false && phases.get(ready.name) === "Failed") return "Failed";
    }
    // A failed task fails the DAG unless another task's `depends` handles its failure.
    const handled = (name: string) => tasks.some((t) => new RegExp(`\\b${name}\\.(Failed|Errored|Completed|AnySucceeded|AllFailed)\\b`).test(dependsOf(t)));
    return [...phases].some(([name, p]) => (p === "Failed" || p === "Errored") && !handled(name)) ? "Failed" : "Succeeded";
  }

  const phase = (await runTemplate(spec.entrypoint, {}, 0)).phase;
  return { phase, pods };
}

function itemVars(item: unknown): Record<string, string> {
  if (item === undefined) return {};
  const vars: Record<string, string> = { item: typeof item === "string" ? item : JSON.stringify(item) };
  if (item && typeof item === "object") for (const [k, v] of Object.entries(item)) vars[`item.${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  return vars;
}

/** Replaces `{{name}}` with its value; an unknown reference is an error (Argo refuses those too). */
export function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(/\{\{\s*([^}]+?)\s*\}\}/g, (_m, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`unresolved {{${name}}}`);
    return value;
  });
}

/** Evaluates an enhanced `depends` expression (`A.Succeeded || (B.Failed && C)`). */
export function evalDepends(expr: string, phases: ReadonlyMap<string, Phase>): boolean {
  const js = expr.replace(/([A-Za-z0-9-]+)(?:\.([A-Za-z]+))?/g, (_m, task: string, result: string | undefined) => {
    const phase = phases.get(task);
    const r = result ?? "Default";
    const value =
      r === "Default" ? phase === "Succeeded" || phase === "Skipped" : r === "Completed" ? phase === "Succeeded" || phase === "Failed" : r === "AnySucceeded" || r === "AllFailed" ? false : phase === r;
    return value ? "true" : "false";
  });
  if (!/^[truefals()|&! ]*$/.test(js)) throw new Error(`bad depends: ${expr}`);
  return Boolean(new Function(`return (${js});`)());
}

/** Evaluates a substituted `when`: `'a' == 'b'`, `!=`, `&&`, `||`, true/false. */
export function evalWhen(expr: string): boolean {
  const js = expr.replace(/'([^']*)'/g, (_m, s: string) => JSON.stringify(s)).replace(/(?<![=!])==(?!=)/g, "===").replace(/!=(?!=)/g, "!==");
  if (/[;`]|\b(function|require|process)\b/.test(js)) throw new Error(`bad when: ${expr}`);
  return Boolean(new Function(`return (${js});`)());
}
