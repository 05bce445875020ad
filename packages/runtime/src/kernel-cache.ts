import { statSync } from "node:fs";
import { join } from "node:path";
import { Kernel, findProjectRoot, type KernelOptions } from "@runnable-ts/kernel";

interface Entry {
  kernel: Kernel;
  /** Modification times of the files whose change makes the kernel stale. */
  stamps: string;
}

const cache = new Map<string, Entry>();
const MAX_ENTRIES = 32;

/** mtime and size of the config file, the project's package.json and npm's install record. */
function stampsOf(files: (string | undefined)[]): string {
  return files
    .map((f) => {
      const stat = f ? statSync(f, { throwIfNoEntry: false }) : undefined;
      return stat ? `${stat.mtimeMs}:${stat.size}` : "-";
    })
    .join("|");
}

function watched(kernel: Kernel): (string | undefined)[] {
  const root = kernel.environment.projectRoot;
  return [kernel.config.file, join(root, "package.json"), join(root, "node_modules", ".package-lock.json")];
}

/**
 * A kernel for these options, reused across runs of one process while nothing it read has
 * changed: the config file, the project's package.json and `node_modules/.package-lock.json`
 * (which npm rewrites on every install) are checked by mtime and size on each use, so a cached kernel
 * never serves manifests older than the last `npm install`. Saves config parsing, discovery and
 * plugin imports per run (a server starting a run per request).
 */
export async function cachedKernel(options: KernelOptions & { cwd: string; env: NodeJS.ProcessEnv }): Promise<Kernel> {
  const vars = Object.entries(options.env)
    .filter(([k]) => k.startsWith("RUNNABLE_VAR_") || k === "RUNNABLE_CONFIGURATION_FILE" || k === "RUNNABLE_PLUGIN_LOAD_TIMEOUT_MS")
    .sort(([a], [b]) => a.localeCompare(b));
  const key = JSON.stringify([options.cwd, options.configFile ?? null, vars, options.defaults, options.distributionDirs, findProjectRoot(options.cwd)]);
  const hit = cache.get(key);
  if (hit && hit.stamps === stampsOf(watched(hit.kernel))) return hit.kernel;
  const kernel = await Kernel.create(options);
  cache.delete(key);
  cache.set(key, { kernel, stamps: stampsOf(watched(kernel)) });
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
  return kernel;
}
