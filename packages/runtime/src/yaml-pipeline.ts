import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { GraphError, RunnableError, type GraphDef, type NodeDef, type ReturnSpec } from "@runnable-ts/sdk";

/**
 * Reads a YAML pipeline (`dag: {description, start_at, steps}`) into the same graph shape the
 * SDK builds. Other top-level keys are allowed (anchors). Syntax errors carry the line.
 * @throws GraphError listing every shape problem found.
 */
export function loadYamlPipeline(file: string): GraphDef {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new GraphError([`pipeline file ${file} does not exist`], { file });
    throw new RunnableError("E_IO", `Cannot read pipeline file ${file}: ${(error as Error).message}`, { file }, { cause: error });
  }
  return parseYamlPipeline(text, file);
}

/** How many alias expansions a pipeline file may make (the yaml library's guard against alias bombs). */
const MAX_ALIAS_COUNT = 1000;

/** {@link loadYamlPipeline} on text. */
export function parseYamlPipeline(text: string, file = "(text)"): GraphDef {
  const doc = parseDocument(text, { prettyErrors: true, merge: true });
  if (doc.errors.length > 0) throw new GraphError(doc.errors.map((e) => `${file}: ${e.message.split("\n")[0]}`), { file });
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // The yaml library's guard against alias bombs ("Excessive alias count …").
    throw new GraphError([`${file}: ${(error as Error).message} (at most ${MAX_ALIAS_COUNT} alias expansions)`], { file });
  }
  if (!isRecord(root) || !isRecord(root.dag)) throw new GraphError([`${file}: the pipeline must have a top-level "dag" mapping`], { file });
  const problems: string[] = [];
  const graph = toGraph(root.dag, "dag", problems);
  if (problems.length > 0) throw new GraphError(problems.map((p) => `${file}: ${p}`), { file });
  return graph;
}

const GRAPH_KEYS = new Set(["start_at", "steps", "description", "name"]);

function toGraph(value: unknown, path: string, problems: string[]): GraphDef {
  if (!isRecord(value)) {
    problems.push(`${path} must be a mapping with start_at and steps`);
    return { start_at: "", steps: {} };
  }
  for (const key of Object.keys(value)) if (!GRAPH_KEYS.has(key)) problems.push(`${path}.${key}: unknown key (a graph has start_at, steps, description)`);
  if (typeof value.start_at !== "string") problems.push(`${path}.start_at is required (the name of the first step)`);
  if (!isRecord(value.steps)) problems.push(`${path}.steps must map step names to steps`);
  const steps: Record<string, NodeDef> = {};
  for (const [name, raw] of Object.entries(isRecord(value.steps) ? value.steps : {})) {
    const node = toNode(name, raw, `${path}.steps.${name}`, problems);
    if (node) steps[name] = node;
  }
  return { start_at: String(value.start_at ?? ""), ...(typeof value.description === "string" ? { description: value.description } : {}), steps };
}

function toNode(name: string, raw: unknown, path: string, problems: string[]): NodeDef | undefined {
  if (!isRecord(raw) || typeof raw.type !== "string") {
    problems.push(`${path} must be a mapping with a "type"`);
    return undefined;
  }
  const { type, branches, branch, ...rest } = raw;
  const node: Record<string, unknown> = { ...rest, type, name };
  if (branches !== undefined) {
    if (!isRecord(branches)) problems.push(`${path}.branches must map branch names to graphs`);
    else node.branches = Object.fromEntries(Object.entries(branches).map(([k, g]) => [k, toGraph(g, `${path}.branches.${k}`, problems)]));
  }
  if (branch !== undefined) node.branch = toGraph(branch, `${path}.branch`, problems);
  if (type === "task") Object.assign(node, taskDefaults(raw, path, problems));
  return node as NodeDef;
}

function taskDefaults(raw: Record<string, unknown>, path: string, problems: string[]): Record<string, unknown> {
  const returns: ReturnSpec[] = [];
  for (const [i, r] of (Array.isArray(raw.returns) ? raw.returns : raw.returns === undefined ? [] : [null]).entries()) {
    if (typeof r === "string") returns.push({ name: r, kind: "json" });
    else if (isRecord(r) && typeof r.name === "string" && (r.kind === undefined || r.kind === "json" || r.kind === "metric" || r.kind === "object"))
      returns.push({ name: r.name, kind: (r.kind as ReturnSpec["kind"] | undefined) ?? "json" });
    else problems.push(`${path}.returns[${i}] must be "- name: x" with optional kind: json|metric|object`);
  }
  const catalog = isRecord(raw.catalog)
    ? { get: asStrings(raw.catalog.get), put: asStrings(raw.catalog.put), store_copy: raw.catalog.store_copy !== false }
    : undefined;
  return {
    command_type: raw.command_type ?? "function",
    returns,
    secrets: asStrings(raw.secrets),
    ...(catalog ? { catalog } : {}),
    max_attempts: raw.max_attempts ?? 1,
    retry_delay_ms: raw.retry_delay_ms ?? 0,
    overrides: raw.overrides ?? {},
    stream_end_type: raw.stream_end_type ?? "done",
  };
}

function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
