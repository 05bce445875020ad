import Module from "node:module";
import { enableCompileCache } from "./compile-cache";
import { lazyZodLocales } from "./lazy-locales";

/**
 * What makes a process that uses runnable-ts start faster, before zod and the rest load: V8's
 * compiled code of installed packages is reused from the previous process
 * ({@link enableCompileCache}; `RUNNABLE_COMPILE_CACHE=off` disables it) and zod's locales load
 * when used ({@link lazyZodLocales}). The SDK does this as the first thing it loads (the CLI loads
 * the SDK first); it happens once per process, and only when this module was loaded by Node's own
 * CommonJS loader (a bundler's or a test runner's module system compiles its own way).
 */
export function fastStart(env: NodeJS.ProcessEnv = process.env): void {
  if ((Module as unknown as { _cache: NodeJS.Dict<NodeModule> })._cache[__filename] === undefined) return;
  enableCompileCache(env);
  lazyZodLocales();
}

fastStart();
