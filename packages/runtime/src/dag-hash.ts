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
  if (Array.isArray(value)) return value.map(toPlain);
  if (typeof value === "object" && value !== null) {
    if (typeof (value as { safeParse?: unknown }).safeParse === "function") return "schema";
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, toPlain(v)]));
  }
  return value;
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])) : v,
  );
}
