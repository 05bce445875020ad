import { definePlugin, retryPolicyProblems, type NodeDef, type LeafNodeType, type ValidateContext } from "@runnable-ts/sdk";

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

function validate(node: NodeDef, context: ValidateContext): string[] {
  const problems: string[] = [];
  const type = node.command_type;
  if (typeof type !== "string" || !context.hasTaskType(type))
    problems.push(`unknown command_type ${JSON.stringify(type)}; installed task types: ${context.taskTypes().join(", ")}`);
  if (node.command === undefined || node.command === "") problems.push(`a task needs a command`);
  const returns = Array.isArray(node.returns) ? (node.returns as { name?: unknown; kind?: unknown }[]) : [];
  const seen = new Set<string>();
  for (const r of returns) {
    if (typeof r.name !== "string" || !NAME_RE.test(r.name)) problems.push(`return name ${JSON.stringify(r.name)} must be an identifier`);
    else if (seen.has(r.name)) problems.push(`return "${r.name}" is declared twice`);
    else seen.add(r.name);
    if (type === "shell" && r.kind === "object") problems.push(`shell tasks cannot return pickled values ("${String(r.name)}")`);
  }
  if (!Number.isInteger(node.max_attempts) || (node.max_attempts as number) < 1) problems.push(`max_attempts must be an integer >= 1`);
  if (typeof node.retry_delay_ms !== "number" || node.retry_delay_ms < 0) problems.push(`retry_delay_ms must be a number >= 0`);
  if (node.timeout_ms !== undefined && (typeof node.timeout_ms !== "number" || node.timeout_ms <= 0)) problems.push(`timeout_ms must be a positive number`);
  problems.push(...retryPolicyProblems(node.retry), ...cacheProblems(node));
  if (!Array.isArray(node.secrets) || node.secrets.some((s) => typeof s !== "string")) problems.push(`secrets must be a list of names`);
  return problems;
}

function cacheProblems(node: NodeDef): string[] {
  const cache = node.cache;
  if (cache === undefined || cache === true || cache === false) return [];
  if (typeof cache !== "object" || cache === null || Array.isArray(cache)) return [`cache must be true or { key, ttl_ms }, got ${JSON.stringify(cache)}`];
  const { key, ttl_ms: ttl } = cache as { key?: unknown; ttl_ms?: unknown };
  const problems: string[] = [];
  if (key !== undefined && typeof key !== "function") problems.push("cache.key must be a function of the parameters returning a string");
  if (ttl !== undefined && (typeof ttl !== "number" || !(ttl > 0))) problems.push("cache.ttl_ms must be a positive number");
  if (Array.isArray(node.returns) && (node.returns as { kind?: unknown }[]).some((r) => r.kind === "object"))
    problems.push("a cached task cannot return pickled (object) values: drop cache or return json/metric values");
  return problems;
}

/** The node type itself: one object for every run (the engine's optimized code then sees the same functions at each run). */
const taskType: LeafNodeType = {
  validate,
  taskType: (node) => (typeof node.command_type === "string" ? node.command_type : undefined),
  execute: (context) => context.runTask(),
};

/**
 * The `task` node type: runs the step's command through its task type (`command_type`), with
 * attempts. A leaf: the engine creates and checks the task type before the run.
 */
export const taskNode = definePlugin({
  kind: "node",
  name: "task",
  create: () => taskType,
});
