import { extname, isAbsolute, resolve } from "node:path";
import { RunnableError } from "@runnable-ts/sdk";
import { loadModule } from "@runnable-ts/kernel";

const TS_EXTENSIONS = new Set([".ts", ".mts", ".cts", ".tsx"]);

interface TsxApi {
  require(id: string, from: string): unknown;
}

/**
 * tsx's CommonJS hook, scoped to the modules loaded through it (registered once per process).
 * The namespace is fixed: tsx keys its on-disk transform cache by the module's path including
 * the namespace, so the per-process namespace of `tsx/cjs/api`'s own `require` (`Date.now()`)
 * missed the cache in every process and ran esbuild on every `.ts` file every time (~40 ms).
 */
let tsx: TsxApi | undefined;

/**
 * Loads a module file: `.ts` through tsx's CommonJS hook (loaded only when a `.ts` file is),
 * everything else through the kernel's ESM/CJS seam.
 */
export async function loadUserModule(file: string): Promise<Record<string, unknown>> {
  if (TS_EXTENSIONS.has(extname(file))) {
    tsx ??= (require("tsx/cjs/api") as { register(options: { namespace: string }): TsxApi }).register({ namespace: "runnable-ts" });
    return tsx.require(file, file) as Record<string, unknown>;
  }
  return loadModule(file);
}

/**
 * Resolves `<module path>#<export>` (path relative to `cwd`) to the exported value.
 * @throws RunnableError `E_GRAPH_INVALID` naming the reference and what is wrong.
 */
export async function loadExport(reference: string, cwd: string): Promise<unknown> {
  const hash = reference.lastIndexOf("#");
  if (hash <= 0 || hash === reference.length - 1)
    throw new RunnableError("E_GRAPH_INVALID", `"${reference}" is not "<module path>#<export>" (e.g. ./functions.js#hello)`, { path: reference });
  const file = reference.slice(0, hash);
  const name = reference.slice(hash + 1);
  const path = isAbsolute(file) ? file : resolve(cwd, file);
  let ns: Record<string, unknown>;
  try {
    ns = await loadUserModule(path);
  } catch (error) {
    throw new RunnableError("E_GRAPH_INVALID", `Cannot load module ${file} (from "${reference}"): ${(error as Error)?.message ?? String(error)}`, { path: reference }, { cause: error });
  }
  const value = ns[name] ?? (name === "default" ? undefined : (ns.default as Record<string, unknown> | undefined)?.[name]);
  if (value === undefined)
    throw new RunnableError("E_GRAPH_INVALID", `Module ${file} has no export "${name}" (exports: ${Object.keys(ns).join(", ") || "none"})`, { path: reference });
  return value;
}
