import { z, type NodeType, type StepKeys, type TaskType } from "@runnable-ts/sdk";

const names = z.array(z.string(), { error: "must be a list of names" });

/** Keys every YAML step may have, whatever its type (the reference's common node keys). */
export const COMMON_STEP_KEYS: StepKeys = {
  type: z.string(),
  // `next` and `on_failure` are checked (type and target) with the graph, for SDK pipelines too.
  next: z.unknown(),
  on_failure: z.unknown(),
  overrides: z.record(z.string(), z.string(), { error: "must map executor names to override names" }),
};

/** Keys of a `task` step whatever its command_type; a task type adds its own ({@link TaskType.stepKeys}). */
export const TASK_STEP_KEYS: StepKeys = {
  command_type: z.string(),
  command: z.string({ error: "must be a string (<module>#<export> for functions, the command line for shell)" }),
  returns: z.array(
    z.union([z.string(), z.strictObject({ name: z.string(), kind: z.enum(["json", "metric", "object"]).optional() })], {
      error: 'must be a name, or "- name: x" with optional kind: json|metric|object',
    }),
    { error: 'must be a list of names, or of "- name: x" with optional kind: json|metric|object' },
  ),
  secrets: names,
  catalog: z.strictObject({ get: names.optional(), put: names.optional(), store_copy: z.boolean().optional() }),
  max_attempts: z.number().int({ error: "must be an integer >= 1" }).min(1, { error: "must be an integer >= 1" }),
  retry_delay_ms: z.number().min(0, { error: "must be a number >= 0" }),
  timeout_ms: z.number().positive({ error: "must be a positive number" }),
  retry: z.strictObject(
    {
      backoff: z.number({ error: "must be a number >= 1" }).min(1, { error: "must be a number >= 1" }).optional(),
      max_delay_ms: z.number({ error: "must be a number >= 0" }).min(0, { error: "must be a number >= 0" }).optional(),
      jitter: z.boolean({ error: "must be true or false" }).optional(),
      retry_on: z.array(z.string().min(1), { error: "must be a list of error names or codes, e.g. [E_TIMEOUT, TypeError]" }).optional(),
    },
    { error: "must be { backoff, max_delay_ms, jitter, retry_on }" },
  ),
  cache: z.union([z.boolean(), z.strictObject({ ttl_ms: z.number().positive({ error: "must be a positive number" }) })], { error: "must be true, false or { ttl_ms: <ms> }" }),
  stream_end_type: z.string(),
};

const graph = z.unknown(); // the shape of a branch graph is checked as it is read
const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: "must be an identifier" });

/**
 * The YAML form of the built-in step types (SPEC §4.2, the reference's keys) beyond the common
 * keys. `"any"`: the type takes any key (a stub stands in for a task, as in the reference).
 * A node type plugin may add keys ({@link NodeType.stepKeys}); a type that is neither listed
 * here nor declares keys takes any key.
 */
const BUILT_IN_STEP_KEYS: Readonly<Record<string, StepKeys | "any">> = {
  task: TASK_STEP_KEYS,
  stub: "any",
  success: {},
  fail: {},
  parallel: { branches: graph },
  conditional: { parameter: z.string(), branches: graph },
  map: { branch: graph, iterate_on: z.string(), iterate_as: identifier, reducer: z.string() },
  loop: { branch: graph, max_iterations: z.number().int().min(1, { error: "must be an integer >= 1" }), break_on: z.string(), index_as: identifier },
};

/** The keys a YAML step of `type` may have: common + built-in + what its plugins declare; undefined when any key goes. */
export function stepKeysOf(type: string, nodeType: NodeType, taskType: TaskType | undefined): StepKeys | undefined {
  const builtIn = BUILT_IN_STEP_KEYS[type];
  if (builtIn === "any" || (builtIn === undefined && nodeType.stepKeys === undefined)) return undefined;
  return { ...COMMON_STEP_KEYS, ...builtIn, ...nodeType.stepKeys, ...taskType?.stepKeys };
}

/** A problem with one key of a step (or the step itself when `key` is undefined). */
export interface KeyProblem {
  /** Path inside the step mapping (`["returns", 0, "kind"]`), empty for the step itself. */
  path: (string | number)[];
  /** The key is unknown (its position is the key's, not its value's). */
  unknown: boolean;
  message: string;
}

/**
 * Checks a YAML step's mapping against `keys` (strictly: no other key). Unknown keys get a
 * "did you mean" when a known key is close; wrong types name the field, the expected type and
 * what was given.
 */
export function checkStepKeys(raw: Readonly<Record<string, unknown>>, keys: StepKeys, type: string): KeyProblem[] {
  const result = strictSchemaOf(keys).safeParse(raw);
  if (result.success) return [];
  const known = Object.keys(keys).sort();
  const problems: KeyProblem[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === "unrecognized_keys") {
      const inside = issue.path.map(pathSegment);
      for (const key of issue.keys) {
        const candidates = inside.length === 0 ? known : NESTED_KEYS;
        const close = closest(key, candidates);
        const suggestion = close ? ` (did you mean "${close}"?)` : "";
        const message =
          inside.length === 0 ? `unknown key "${key}"${suggestion}; a ${type} step takes ${known.join(", ")}` : `unknown key "${key}" in ${JSON.stringify(formatPath(inside))}${suggestion}`;
        problems.push({ path: [...inside, key], unknown: true, message });
      }
      continue;
    }
    const path = issue.path.map(pathSegment);
    const value = valueAt(raw, path);
    const what = issue.code === "invalid_type" && !issue.message.startsWith("must") ? `must be ${article(issue.expected)}` : issue.message;
    problems.push({ path, unknown: false, message: `${JSON.stringify(formatPath(path))} ${what}, got ${describe(value)}` });
  }
  return problems;
}

const compiled = new WeakMap<StepKeys, z.ZodType>();

/** The strict object schema of `keys`, built once per keys object. */
function strictSchemaOf(keys: StepKeys): z.ZodType {
  let schema = compiled.get(keys);
  if (!schema) {
    // Every key is optional (defaults and required fields are the node type's business), except `type`.
    const shape = Object.fromEntries(Object.entries(keys).map(([k, s]) => [k, k === "type" ? s : s.optional()]));
    compiled.set(keys, (schema = z.strictObject(shape)));
  }
  return schema;
}

/** Keys of the mappings nested in a step (a return, a catalog), for suggestions. */
const NESTED_KEYS = ["name", "kind", "get", "put", "store_copy"];

function pathSegment(p: PropertyKey): string | number {
  return typeof p === "number" ? p : String(p);
}

function formatPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

function valueAt(raw: unknown, path: (string | number)[]): unknown {
  let current = raw;
  for (const p of path) current = typeof current === "object" && current !== null ? (current as Record<string | number, unknown>)[p] : undefined;
  return current;
}

function article(expected: string): string {
  if (expected === "array") return "a list";
  if (expected === "object" || expected === "record") return "a mapping";
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return `a list ${short(value)}`;
  if (typeof value === "object") return `a mapping ${short(value)}`;
  return `${typeof value} ${short(value)}`;
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** The known key closest to `key` when it is a likely typo (small edit distance, or one is a prefix of the other). */
export function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  if (best === undefined) return undefined;
  const limit = Math.max(1, Math.floor(Math.max(key.length, best.length) / 3));
  return bestDistance <= limit || best.startsWith(key) || key.startsWith(best) ? best : undefined;
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}
