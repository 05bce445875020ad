import { RunnableError } from "@runnable-ts/sdk";

type Obj = Record<string, unknown>;
type Shape = { readonly [field: string]: Shape | "leaf" | readonly [Shape] };

const leaf = "leaf" as const;
const param: Shape = { name: leaf, value: leaf, valueFrom: { path: leaf } };
const envVar: Shape = { name: leaf, value: leaf, valueFrom: { secretKeyRef: { name: leaf, key: leaf } } };
const container: Shape = {
  name: leaf,
  image: leaf,
  imagePullPolicy: leaf,
  command: leaf,
  args: leaf,
  workingDir: leaf,
  env: [envVar],
  resources: { requests: leaf, limits: leaf },
  volumeMounts: [{ name: leaf, mountPath: leaf, readOnly: leaf }],
};
const task: Shape = { name: leaf, template: leaf, depends: leaf, dependencies: leaf, when: leaf, withParam: leaf, withItems: leaf, arguments: { parameters: [param] } };
const template: Shape = {
  name: leaf,
  inputs: { parameters: [param] },
  outputs: { parameters: [param] },
  retryStrategy: leaf,
  activeDeadlineSeconds: leaf,
  nodeSelector: leaf,
  tolerations: leaf,
  container,
  dag: { failFast: leaf, tasks: [task] },
};
const workflowSpec: Shape = {
  entrypoint: leaf,
  arguments: { parameters: [param] },
  templates: [template],
  serviceAccountName: leaf,
  parallelism: leaf,
  activeDeadlineSeconds: leaf,
  nodeSelector: leaf,
  tolerations: leaf,
  volumes: [{ name: leaf, persistentVolumeClaim: { claimName: leaf, readOnly: leaf } }],
};
const manifest: Shape = {
  apiVersion: leaf,
  kind: leaf,
  metadata: { name: leaf, generateName: leaf, namespace: leaf },
  spec: { ...workflowSpec, schedules: leaf, timezone: leaf, workflowSpec },
};

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Checks a compiled Workflow / CronWorkflow strictly: every field is one Argo knows (a strict
 * unknown-field pass over the subset this compiler writes), every `template:` exists, every
 * `depends` names tasks of its DAG, every `{{tasks.X.outputs.parameters.Y}}`,
 * `{{inputs.parameters.Z}}` and `{{workflow.parameters.W}}` resolves, and names are DNS-1123.
 * Returns the problems found (empty when valid).
 */
export function workflowProblems(doc: Obj): string[] {
  const problems: string[] = [];
  strict(doc, manifest, "", problems);
  const spec = (doc.kind === "CronWorkflow" ? (doc.spec as Obj | undefined)?.workflowSpec : doc.spec) as Obj | undefined;
  if (!spec) return [...problems, "no workflow spec"];
  const templates = (spec.templates as Obj[] | undefined) ?? [];
  const byName = new Map(templates.map((t) => [String(t.name), t]));
  if (byName.size !== templates.length) problems.push("duplicate template names");
  const workflowParams = new Set(((spec.arguments as Obj | undefined)?.parameters as Obj[] | undefined)?.map((p) => String(p.name)) ?? []);
  if (!byName.has(String(spec.entrypoint))) problems.push(`entrypoint ${String(spec.entrypoint)} is not a template`);
  for (const t of templates) {
    const where = `template ${String(t.name)}`;
    if (String(t.name).length > 128 || !DNS_LABEL.test(String(t.name))) problems.push(`${where}: name is not DNS-1123`);
    const inputs = new Set(((t.inputs as Obj | undefined)?.parameters as Obj[] | undefined)?.map((p) => String(p.name)) ?? []);
    const tasks = (((t.dag as Obj | undefined)?.tasks as Obj[] | undefined) ?? []);
    const taskNames = new Map(tasks.map((k) => [String(k.name), k]));
    for (const k of tasks) {
      const tw = `${where} task ${String(k.name)}`;
      if (!DNS_LABEL.test(String(k.name)) || String(k.name).length > 63) problems.push(`${tw}: name is not DNS-1123`);
      const target = byName.get(String(k.template));
      if (!target) problems.push(`${tw}: template ${String(k.template)} does not exist`);
      for (const ref of String(k.depends ?? "").match(/[a-z0-9-]+(?=\.[A-Z])/g) ?? []) if (!taskNames.has(ref)) problems.push(`${tw}: depends on unknown task ${ref}`);
      const needed = ((target?.inputs as Obj | undefined)?.parameters as Obj[] | undefined)?.map((p) => String(p.name)) ?? [];
      const given = new Set((((k.arguments as Obj | undefined)?.parameters as Obj[] | undefined) ?? []).map((p) => String(p.name)));
      for (const n of needed) if (!given.has(n)) problems.push(`${tw}: template ${String(k.template)} needs input ${n}`);
      for (const n of given) if (!needed.includes(n)) problems.push(`${tw}: argument ${n} is not an input of ${String(k.template)}`);
      const hasItem = k.withParam !== undefined || k.withItems !== undefined;
      for (const expr of references(k)) {
        const m = /^tasks\.([^.]+)\.outputs\.parameters\.(.+)$/.exec(expr);
        if (m) {
          const producer = taskNames.get(m[1] ?? "");
          const outputs = ((byName.get(String(producer?.template))?.outputs as Obj | undefined)?.parameters as Obj[] | undefined)?.map((p) => String(p.name)) ?? [];
          if (!producer || !outputs.includes(m[2] ?? "")) problems.push(`${tw}: {{${expr}}} does not resolve`);
        } else if (expr === "item" || expr.startsWith("item.")) {
          if (!hasItem) problems.push(`${tw}: {{${expr}}} without withParam/withItems`);
        } else checkCommon(expr, inputs, workflowParams, tw, problems);
      }
    }
    if (t.container) for (const expr of references(t.container)) checkCommon(expr, inputs, workflowParams, where, problems);
  }
  return problems;
}

function checkCommon(expr: string, inputs: Set<string>, workflowParams: Set<string>, where: string, problems: string[]): void {
  const input = /^inputs\.parameters\.(.+)$/.exec(expr);
  const wf = /^workflow\.parameters\.(.+)$/.exec(expr);
  if (input) {
    if (!inputs.has(input[1] ?? "")) problems.push(`${where}: {{${expr}}} does not resolve`);
  } else if (wf) {
    if (!workflowParams.has(wf[1] ?? "")) problems.push(`${where}: {{${expr}}} does not resolve`);
  } else if (!["workflow.name", "workflow.uid", "workflow.namespace"].includes(expr)) problems.push(`${where}: unknown reference {{${expr}}}`);
}

/** Every `{{…}}` in the strings of `value`. */
function references(value: unknown): string[] {
  const text = JSON.stringify(value) ?? "";
  return [...text.matchAll(/\{\{([^}]+)\}\}/g)].map((m) => (m[1] ?? "").trim());
}

function strict(value: unknown, shape: Shape | "leaf" | readonly [Shape], path: string, problems: string[]): void {
  if (shape === "leaf" || value === undefined) return;
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return void problems.push(`${path}: expected a list`);
    value.forEach((item, i) => strict(item, (shape as readonly [Shape])[0], `${path}[${i}]`, problems));
    return;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return void problems.push(`${path}: expected an object`);
  const fields = shape as Shape;
  for (const [key, v] of Object.entries(value as Obj)) {
    const sub = fields[key];
    if (sub === undefined) problems.push(`${path ? `${path}.` : ""}${key}: unknown field`);
    else strict(v, sub, path ? `${path}.${key}` : key, problems);
  }
}

/**
 * Problems Argo's own schema finds (`@kubernetes-models/argo-workflows`, an ES module loaded
 * on first use): types, required fields, enums. It accepts unknown fields, hence
 * {@link workflowProblems} as well.
 */
export async function schemaProblems(doc: Obj): Promise<string[]> {
  const models = await import("@kubernetes-models/argo-workflows/argoproj.io/v1alpha1");
  try {
    // The models' constructors take their own typed interfaces; what they check is exactly the shape of `doc`.
    (doc.kind === "CronWorkflow"
      ? new models.CronWorkflow(doc as ConstructorParameters<typeof models.CronWorkflow>[0])
      : new models.Workflow(doc as ConstructorParameters<typeof models.Workflow>[0])
    ).validate();
    return [];
  } catch (error) {
    return [`Argo schema: ${(error as Error).message}`];
  }
}

/**
 * Throws when Argo's schema ({@link schemaProblems}) or {@link workflowProblems} finds any:
 * a compiler bug, never a user's file.
 * @throws RunnableError `E_WORKFLOW_INVALID` listing the problems.
 */
export async function assertValidWorkflow(doc: Obj): Promise<void> {
  const problems = [...(await schemaProblems(doc)), ...workflowProblems(doc)];
  if (problems.length) throw new RunnableError("E_WORKFLOW_INVALID", `argo: the compiled manifest is not valid:\n${problems.map((p) => `  - ${p}`).join("\n")}`, { problems });
}
