import { createHash } from "node:crypto";
import type { GraphDef } from "@runnable-ts/sdk";

/**
 * The graph as plain JSON: functions become `function:<name>`, zod schemas `schema`. Used in
 * the run log (`run_config.dag`) and for the dag hash, so it names code without its body: a
 * retry after fixing a function body is not refused.
 */
export function serializeGraph(graph: GraphDef): unknown {
  return toPlain(graph);
}

/** sha256 (hex) of the canonical JSON of the serialised graph. */
export function dagHash(graph: GraphDef): string {
  return hashOf(serializeGraph(graph));
}

/** sha256 (hex) of the canonical JSON (keys sorted) of an already serialised graph. */
export function hashOf(serialized: unknown): string {
  return createHash("sha256").update(canonicalJson(serialized)).digest("hex");
}

function toPlain(value: unknown): unknown {
  if (typeof value === "function") return `function:${value.name || "anonymous"}`;
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(toPlain);
  if (typeof (value as { safeParse?: unknown }).safeParse === "function") return "schema";
  const out: Record<string, unknown> = {};
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = toPlain(v);
  }
  return out;
}

/** JSON with object keys sorted, built in one pass. */
function canonicalJson(value: unknown): string {
  if (typeof value !== "object" || value === null) return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i > 0 ? "," : "") + canonicalJson(value[i]);
    return `${out}]`;
  }
  const keys = Object.keys(value).sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    out += `${i > 0 ? "," : ""}${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`;
  }
  return `${out}}`;
}
