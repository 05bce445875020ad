// Loaded before the SDK (see bin.ts): names the kind of this CLI process for the SDK's compile
// cache, which keeps a file per kind — a prestarted step process, `execute`, `execute-single-node`
// and the rest each load and run different code (see `COMPILE_CACHE_KIND` in the SDK's
// compile-cache.ts).
import { PRESTART_ENV } from "./prestart";

const command = process.argv[2];
(globalThis as Record<symbol, unknown>)[Symbol.for("runnable-ts.compile-cache.kind")] = process.env[PRESTART_ENV] ? "prestarted" : command !== undefined && /^[a-z][a-z-]*$/.test(command) ? command : "cli";
