// Loaded before the SDK (see bin.ts): names the kind of this CLI process for the SDK's compile
// cache, which keeps a file per kind — a prestarted step process, `execute`, `execute-single-node`
// and the rest each load and run different code (see `COMPILE_CACHE_KIND` in the SDK's
// compile-cache.ts).
import { PRESTART_ENV } from "./prestart";

/**
 * The CLI's commands (main.ts's, which loads after the SDK; a test keeps the two the same).
 * Anything else — a typo, `--help` — is the kind `cli`: a mistyped command makes no file.
 */
export const CACHE_KINDS: ReadonlySet<string> = new Set(["execute", "retry", "resume", "execute-job", "execute-single-node", "fan", "show", "cache", "runs", "plugins", "config", "graph", "timeline", "ui"]);

const command = process.argv[2] ?? "";
(globalThis as Record<symbol, unknown>)[Symbol.for("runnable-ts.compile-cache.kind")] = process.env[PRESTART_ENV] ? "prestarted" : CACHE_KINDS.has(command) ? command : "cli";
