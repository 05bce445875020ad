import { RunnableError, type Parameters } from "@runnable-ts/sdk";
import { containsSecret, messageOf } from "../redact";
import type { AttemptContext, Stage } from "./context";

/** Why `value` does not survive a JSON round trip, or undefined when it does. */
export function jsonProblem(value: unknown, depth = 0): string | undefined {
  if (depth > 100) return "nested too deeply";
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : `the number ${value}`;
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) {
    for (const item of value) {
      const p = jsonProblem(item, depth + 1);
      if (p) return p;
    }
    return undefined;
  }
  if (typeof value === "object") {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return `a ${(value as object).constructor?.name ?? "class"} instance`;
    for (const item of Object.values(value)) {
      const p = jsonProblem(item, depth + 1);
      if (p) return p;
    }
    return undefined;
  }
  return `a ${typeof value}`;
}

/**
 * After the task: turns what it returned into output parameters by its `returns` (json,
 * metric, or pickled into the catalog). A missing return, a value JSON cannot carry, or a return
 * holding a secret's value (`E_SECRET_LEAK`, naming the return and the secret, never the value)
 * fails the attempt.
 */
export const returnsStage: Stage = {
  after(ctx) {
    const { returns } = ctx.node;
    if (returns.length === 0) return;
    // No pickled return (the usual case): the outputs are made at once, no promise per attempt.
    if (!returns.some((spec) => spec.kind === "object")) ctx.outputs = jsonParameters(ctx);
    else return withPickled(ctx).then((outputs) => void (ctx.outputs = outputs));
  },
};

type ReturnSpec = AttemptContext["node"]["returns"][number];

/** What the task returned for `spec`, checked: present, and holding no secret's value. */
function returnedValue(ctx: AttemptContext, spec: ReturnSpec): unknown {
  const step = ctx.req.internalName;
  if (!(spec.name in ctx.returned)) throw new RunnableError("E_RETURN_INVALID", `the task did not return "${spec.name}"`, { step, return: spec.name });
  const value = ctx.returned[spec.name];
  if (ctx.secretValues.length > 0 && containsSecret(value, ctx.secretValues)) {
    const names = Object.entries(ctx.secrets).filter(([, v]) => v.length > 0 && containsSecret(value, [v])).map(([n]) => n);
    throw new RunnableError(
      "E_SECRET_LEAK",
      `return "${spec.name}" contains the value of secret ${names.map((n) => `"${n}"`).join(", ")}; secrets may not leave a task through its returns (return something derived from it instead)`,
      { step, return: spec.name, secrets: names },
    );
  }
  return value;
}

/** A json or metric return as a parameter (a metric is also recorded as one). */
function jsonParameter(ctx: AttemptContext, spec: ReturnSpec, value: unknown): Parameters[string] {
  const problem = jsonProblem(value);
  if (problem)
    throw new RunnableError("E_RETURN_INVALID", `return "${spec.name}" is not JSON (${problem}); declare it pickled("${spec.name}") to store it through the pickler`, {
      step: ctx.req.internalName,
      return: spec.name,
    });
  if (spec.kind === "metric") ctx.addMetrics({ [spec.name]: value });
  return { kind: spec.kind, value };
}

function jsonParameters(ctx: AttemptContext): Parameters {
  const out: Parameters = {};
  for (const spec of ctx.node.returns) out[spec.name] = jsonParameter(ctx, spec, returnedValue(ctx, spec));
  return out;
}

/** The outputs when some returns are pickled: those are stored through the pickler, in order. */
async function withPickled(ctx: AttemptContext): Promise<Parameters> {
  const { node, services } = ctx;
  const step = ctx.req.internalName;
  const out: Parameters = {};
  for (const spec of node.returns) {
    const value = returnedValue(ctx, spec);
    if (spec.kind !== "object") {
      out[spec.name] = jsonParameter(ctx, spec, value);
      continue;
    }
    const name = `objects/${step}/${spec.name}${services.pickler.extension}`;
    let data: Uint8Array;
    try {
      data = await services.pickler.dumps(value);
    } catch (error) {
      throw new RunnableError("E_RETURN_INVALID", `cannot pickle return "${spec.name}": ${messageOf(error)}`, { step, return: spec.name }, { cause: error });
    }
    await services.catalog.putBytes(services.runId, name, data);
    out[spec.name] = { kind: "object", value: name };
  }
  return out;
}
