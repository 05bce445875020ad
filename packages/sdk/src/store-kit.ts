import { randomBytes } from "node:crypto";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { isPromiseLike, type CatalogService, type RunLogStore } from "./contracts";
import { isRunnableError, RunnableError } from "./errors";
import { lazySchema } from "./lazy-schema";

/**
 * Writes a file so that readers see the old content or the new, never a part: the data goes
 * to a temporary file in the same folder, which is then renamed over the target.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await writeFile(temp, data);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temp, data);
  }
  await rename(temp, path);
}

/**
 * {@link writeFileAtomic} without the event-loop round trips: for small records (a step log,
 * an execution log) a synchronous write costs tens of microseconds where the promise-based
 * open/write/close/rename sequence costs several times that in thread-pool hops.
 */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    writeFileSync(temp, data);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temp, data);
  }
  renameSync(temp, path);
}

/**
 * Serialises async work per key (one queue per key, no timers): read-modify-write sequences on
 * the same record never interleave within a process.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}

/**
 * The `log_folder` key shared by the file-based run-log stores: a folder relative to the
 * working directory, `.run_log_store` by default.
 */
export const logFolderSchema = lazySchema(() => z.string().min(1).default(".run_log_store"));

/** Config schema of a file-based run-log store: `{ log_folder }` (see {@link logFolderSchema}). */
export const logFolderConfigSchema = lazySchema(() => z.object({ log_folder: logFolderSchema }));

/**
 * Maps `items` through `work` with at most `limit` calls in flight; resolves to the results in
 * input order, or rejects with the first error.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function wrapPluginError(error: unknown, code: "E_STORE" | "E_CATALOG", kind: string, plugin: string, operation: string): RunnableError {
  if (isRunnableError(error)) {
    error.context.plugin ??= plugin;
    error.context.operation ??= operation;
    return error;
  }
  const message = (error as Error | undefined)?.message ?? String(error);
  return new RunnableError(code, `${kind} "${plugin}": ${operation} failed: ${message}`, { plugin, kind, operation }, { cause: error });
}

const STORE_METHODS = [
  "createRunLog",
  "exists",
  "getRunLog",
  "updateRunLog",
  "getParameters",
  "setParameters",
  "getStepLog",
  "putStepLog",
  "getBranchLog",
  "putBranchLog",
  "listRuns",
  "refresh",
  "flush",
  "close",
] as const;

/**
 * The store with every failure that is not already a {@link RunnableError} wrapped as one
 * (`E_STORE`) naming the plugin and the operation; a `RunnableError` gets the plugin and the
 * operation added to its context. Plugins call it in their `create`.
 */
export function guardRunLogStore(plugin: string, store: RunLogStore): RunLogStore {
  const guarded: Record<string, unknown> = {
    supportsConcurrentWriters: store.supportsConcurrentWriters,
    ...(store.persistent !== undefined ? { persistent: store.persistent } : {}),
  };
  for (const name of STORE_METHODS) {
    const method = store[name] as ((a: unknown, b: unknown, c: unknown) => unknown) | undefined;
    if (!method) continue;
    const wrap = (error: unknown): Promise<never> => Promise.reject(wrapPluginError(error, "E_STORE", "run-log store", plugin, name));
    // Three arguments at most (no rest array per call): no store method takes more. A method
    // that answers synchronously keeps doing so; a failure is always a rejected promise.
    guarded[name] = (a: unknown, b: unknown, c: unknown) => {
      try {
        const result = method.call(store, a, b, c);
        return isPromiseLike(result) ? Promise.resolve(result).then(undefined, wrap) : result;
      } catch (error) {
        return wrap(error);
      }
    };
  }
  // The exit guard's synchronous last write: whatever fails there, the process is exiting anyway.
  if (store.writeSync) guarded.writeSync = store.writeSync.bind(store);
  return guarded as unknown as RunLogStore;
}

/** Like {@link guardRunLogStore}, for a catalog (`E_CATALOG`). */
export function guardCatalog(plugin: string, catalog: CatalogService): CatalogService {
  const guarded: Record<string, unknown> = {};
  for (const name of ["get", "put", "putBytes", "putStream", "getBytes"] as const) {
    const method = catalog[name] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (!method) continue;
    guarded[name] = (...args: unknown[]) => {
      try {
        return method.apply(catalog, args).catch((error: unknown) => Promise.reject(wrapPluginError(error, "E_CATALOG", "catalog", plugin, name)));
      } catch (error) {
        return Promise.reject(wrapPluginError(error, "E_CATALOG", "catalog", plugin, name));
      }
    };
  }
  return guarded as unknown as CatalogService;
}
