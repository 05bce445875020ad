import { codeIdentities } from "./code-identity";
import { DEFAULT_SERVICES, DISTRIBUTION_DIR } from "./distribution";
import { cachedKernel } from "./kernel-cache";

/**
 * Does ahead what a run in this process will need and may reuse: the kernel for `cwd` and
 * `configFile` (the config file read and checked, the plugin manifests discovered; no plugin is
 * imported) and the git identity of `cwd`. Both are reused only on the usual terms — the kernel
 * while its config file, package.json and install record are unchanged and the run's variables
 * match, the identity for two seconds — so a run that comes later or differs does the work
 * again. For a step process started ahead of its command (the emulator). Never rejects.
 */
export async function prewarm(options: { cwd: string; configFile: string | undefined; env: NodeJS.ProcessEnv }): Promise<void> {
  await Promise.all([
    cachedKernel({ cwd: options.cwd, configFile: options.configFile, env: options.env, defaults: DEFAULT_SERVICES, distributionDirs: [DISTRIBUTION_DIR] }),
    codeIdentities(options.cwd),
  ]).catch(() => undefined);
}
