import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { parseLoose, RunnableError, type Parameters } from "@runnable-ts/sdk";

/**
 * Initial parameters of a run: the parameters file (YAML or JSON, a mapping at the top level),
 * then `initial` (SDK), then `RUNNABLE_PRM_<key>` variables (value JSON-parsed, else the raw
 * string; the key keeps its case). Read once, when the run starts.
 * @throws RunnableError `E_PARAMETERS_INVALID` for a missing or malformed file.
 */
export function loadParameters(options: { file?: string | undefined; cwd: string; env: NodeJS.ProcessEnv; initial?: Record<string, unknown> }): Parameters {
  const values: Record<string, unknown> = {};
  if (options.file) {
    const path = resolve(options.cwd, options.file);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      throw new RunnableError("E_PARAMETERS_INVALID", `Parameters file ${path} does not exist`, { file: path });
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text, { prettyErrors: true });
    } catch (error) {
      throw new RunnableError("E_PARAMETERS_INVALID", `Parameters file ${path} is not valid YAML/JSON: ${(error as Error).message}`, { file: path });
    }
    if (parsed !== null && parsed !== undefined && (typeof parsed !== "object" || Array.isArray(parsed)))
      throw new RunnableError("E_PARAMETERS_INVALID", `Parameters file ${path} must hold a mapping of names to values`, { file: path });
    Object.assign(values, parsed ?? {});
  }
  Object.assign(values, options.initial ?? {});
  for (const [key, raw] of Object.entries(options.env)) {
    if (!key.startsWith("RUNNABLE_PRM_") || raw === undefined) continue;
    values[key.slice("RUNNABLE_PRM_".length)] = parseLoose(raw);
  }
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { kind: "json" as const, value: v }]));
}
