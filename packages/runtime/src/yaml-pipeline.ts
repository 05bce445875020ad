import { readFileSync } from "node:fs";
import { isMap, isScalar, LineCounter, parseDocument, type Document } from "yaml";
import { DYNAMIC_BRANCH_KEY, GraphError, RunnableError, type GraphDef, type NodeDef, type ReturnSpec } from "@runnable-ts/sdk";

/** A path of keys (and list indices) in a YAML document. */
export type YamlPath = readonly (string | number)[];

/**
 * Where a YAML pipeline's parts are, for messages: every step's and graph's path in the document
 * and the step's mapping as written, by the names the graph checks use (`par.branch1.hello`,
 * `*` (DYNAMIC_BRANCH_KEY) for a map or loop branch). Built by {@link parseYamlPipeline}; read with
 * {@link yamlSourceOf}.
 */
export interface YamlSource {
  readonly file: string;
  /** Steps by qualified name: their path and their mapping as written (merge keys applied). */
  readonly steps: ReadonlyMap<string, { readonly path: YamlPath; readonly raw: Readonly<Record<string, unknown>> }>;
  /** Graphs by prefix ("" for `dag`). */
  readonly graphs: ReadonlyMap<string, YamlPath>;
  /**
   * `file:line:col` of `path` (of its key when `atKey`), or of the nearest enclosing node that is
   * in the document (a key that comes from a merge, or is missing).
   */
  position(path: YamlPath, atKey?: boolean): string;
}

const sources = new WeakMap<GraphDef, YamlSource>();

/** The YAML source of a graph read by {@link parseYamlPipeline}, or undefined (an SDK graph). */
export function yamlSourceOf(graph: GraphDef): YamlSource | undefined {
  return sources.get(graph);
}

/**
 * Reads a YAML pipeline (`dag: {description, start_at, steps}`) into the same graph shape the
 * SDK builds. Other top-level keys are allowed (anchors). Problems carry `file:line:col`.
 * @throws GraphError listing every shape problem found; RunnableError `E_IO` when the file cannot be read.
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
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, merge: true, lineCounter });
  const at = (offset: number): string => {
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length > 0) throw new GraphError(doc.errors.map((e) => `${at(e.pos[0])}: ${e.message.split("\n")[0]}`), { file });
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // The yaml library's guard against alias bombs ("Excessive alias count …").
    throw new GraphError([`${file}: ${(error as Error).message} (at most ${MAX_ALIAS_COUNT} alias expansions)`], { file });
  }
  const source = new Source(file, doc, at);
  if (!isRecord(root) || !isRecord(root.dag)) throw new GraphError([`${source.position([])}: the pipeline must have a top-level "dag" mapping`], { file });
  const problems: string[] = [];
  const graph = new Reader(source, problems).graph(root.dag, ["dag"], "");
  if (problems.length > 0) throw new GraphError(problems, { file });
  sources.set(graph, source);
  return graph;
}

class Source implements YamlSource {
  readonly steps = new Map<string, { path: YamlPath; raw: Record<string, unknown> }>();
  readonly graphs = new Map<string, YamlPath>();

  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly at: (offset: number) => string,
  ) {}

  position(path: YamlPath, atKey = false): string {
    for (let n = path.length; n >= 0; n--) {
      const prefix = path.slice(0, n);
      if (atKey && n === path.length && n > 0) {
        const parent = this.doc.getIn(prefix.slice(0, -1), true);
        const last = prefix[prefix.length - 1];
        if (isMap(parent)) {
          const pair = parent.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === last);
          const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
          if (range) return this.at(range[0]);
        }
        continue;
      }
      const node = prefix.length === 0 ? this.doc.contents : this.doc.getIn(prefix, true);
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
      if (range) return this.at(range[0]);
    }
    return this.file;
  }
}

const GRAPH_KEYS = ["start_at", "steps", "description", "name"];

class Reader {
  constructor(
    private readonly source: Source,
    private readonly problems: string[],
  ) {}

  private problem(path: YamlPath, message: string, atKey = false): void {
    this.problems.push(`${this.source.position(path, atKey)}: ${message}`);
  }

  graph(value: unknown, path: YamlPath, prefix: string): GraphDef {
    const where = path.join(".");
    if (!isRecord(value)) {
      this.problem(path, `${where} must be a mapping with start_at and steps`);
      return { start_at: "", steps: {} };
    }
    this.source.graphs.set(prefix, path);
    for (const key of Object.keys(value))
      if (!GRAPH_KEYS.includes(key)) this.problem([...path, key], `${where}.${key}: unknown key (a graph has start_at, steps, description)`, true);
    if (typeof value.start_at !== "string") this.problem(value.start_at === undefined ? path : [...path, "start_at"], `${where}.start_at is required (the name of the first step)`);
    if (!isRecord(value.steps)) this.problem(value.steps === undefined ? path : [...path, "steps"], `${where}.steps must map step names to steps`);
    const steps: Record<string, NodeDef> = {};
    for (const [name, raw] of Object.entries(isRecord(value.steps) ? value.steps : {})) {
      const node = this.node(name, raw, [...path, "steps", name], prefix ? `${prefix}.${name}` : name);
      if (node) steps[name] = node;
    }
    return { start_at: String(value.start_at ?? ""), ...(typeof value.description === "string" ? { description: value.description } : {}), steps };
  }

  private node(name: string, raw: unknown, path: YamlPath, qualified: string): NodeDef | undefined {
    if (!isRecord(raw) || typeof raw.type !== "string") {
      this.problem(isRecord(raw) && raw.type !== undefined ? [...path, "type"] : path, `step "${qualified}" must be a mapping with a "type" (a string: task, stub, parallel, map, conditional, loop, success, fail, …)`);
      return undefined;
    }
    this.source.steps.set(qualified, { path, raw });
    const { type, branches, branch, ...rest } = raw;
    const node: Record<string, unknown> = { ...rest, type, name };
    if (branches !== undefined) {
      if (!isRecord(branches)) this.problem([...path, "branches"], `step "${qualified}": branches must map branch names to graphs`);
      else node.branches = Object.fromEntries(Object.entries(branches).map(([k, g]) => [k, this.graph(g, [...path, "branches", k], `${qualified}.${k}`)]));
    }
    if (branch !== undefined) node.branch = this.graph(branch, [...path, "branch"], `${qualified}.${DYNAMIC_BRANCH_KEY}`);
    if (type === "task") Object.assign(node, yamlTaskFields(raw));
    return node as NodeDef;
  }
}

/**
 * The graph form of a YAML task's fields, with defaults. Values of the wrong shape are kept as
 * they are, so that the step-key check reports them with their position. For `type: task` steps
 * here; `prepare` applies it to the steps of a third-party leaf type that runs a task
 * (`taskType`), once the node types are known.
 */
export function yamlTaskFields(raw: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const returns = Array.isArray(raw.returns)
    ? raw.returns.map((r: unknown): ReturnSpec | unknown =>
        typeof r === "string" ? { name: r, kind: "json" } : isRecord(r) && typeof r.name === "string" ? { name: r.name, kind: (r.kind as ReturnSpec["kind"] | undefined) ?? "json" } : r,
      )
    : (raw.returns ?? []);
  const catalog = isRecord(raw.catalog) ? { get: asStrings(raw.catalog.get), put: asStrings(raw.catalog.put), store_copy: raw.catalog.store_copy !== false } : raw.catalog;
  return {
    command_type: raw.command_type ?? "function",
    returns,
    secrets: raw.secrets ?? [],
    ...(catalog !== undefined ? { catalog } : {}),
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
