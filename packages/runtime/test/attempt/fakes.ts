import { newStepLog, parameterValue, RunnableError, type CatalogService, type DataCatalogEntry, type Parameters, type RunServices, type TaskNodeDef, type TaskType } from "@runnable-ts/sdk";
import { AttemptContext, SKIP_TASK, type AttemptRequest, type Stage } from "../../src/attempt/context";

/** An in-memory catalog recording what is stored (unit tests of attempt stages only). */
export class MemoryCatalog implements CatalogService {
  readonly files = new Map<string, Buffer>();
  readonly calls: string[] = [];
  constructor(streams = true) {
    if (!streams) (this as { putStream?: unknown }).putStream = undefined;
  }
  async get(): Promise<DataCatalogEntry[]> {
    this.calls.push("get");
    return [{ name: "in.txt", data_hash: "h", catalog_relative_path: "in.txt", stage: "get" }];
  }
  async put(t: { allowMissing?: boolean }): Promise<DataCatalogEntry[]> {
    this.calls.push(`put allowMissing=${t.allowMissing}`);
    return [{ name: "out.txt", data_hash: "h", catalog_relative_path: "r/out.txt", stage: "put" }];
  }
  async putBytes(_runId: string, name: string, data: Uint8Array): Promise<DataCatalogEntry> {
    this.calls.push(`putBytes ${name}`);
    this.files.set(name, Buffer.from(data));
    return { name, data_hash: "h", catalog_relative_path: name, stage: "put" };
  }
  async putStream(_runId: string, name: string, data: AsyncIterable<Uint8Array>): Promise<DataCatalogEntry> {
    this.calls.push(`putStream ${name}`);
    const chunks: Buffer[] = [];
    for await (const c of data) chunks.push(Buffer.from(c));
    this.files.set(name, Buffer.concat(chunks));
    return { name, data_hash: "h", catalog_relative_path: name, stage: "put" };
  }
  async getBytes(_runId: string, name: string): Promise<Uint8Array> {
    const f = this.files.get(name);
    if (!f) throw new RunnableError("E_CATALOG", `no ${name}`);
    return f;
  }
}

/** A task node with defaults. */
export function taskNode(fields: Partial<TaskNodeDef> = {}): TaskNodeDef {
  return { type: "task", name: "t", command_type: "function", command: () => undefined, returns: [], secrets: [], retry_delay_ms: 0, ...fields } as unknown as TaskNodeDef;
}

/** Services of a fake run: an in-memory catalog, secrets from a map, events collected. */
export function fakeServices(options: { secrets?: Record<string, string>; catalog?: CatalogService; events?: unknown[]; signal?: AbortSignal } = {}): RunServices {
  const events = options.events;
  const services: RunServices = {
    runId: "run-1",
    store: {} as never,
    catalog: options.catalog ?? new MemoryCatalog(),
    secrets: {
      get: async (name: string) => {
        const v = options.secrets?.[name];
        if (v === undefined) throw new RunnableError("E_SECRET_NOT_FOUND", `secret ${name} not found`);
        return v;
      },
    },
    pickler: { extension: ".pickle.json", dumps: async (v: unknown) => Buffer.from(JSON.stringify({ v: String(v) })), loads: async (d: Uint8Array) => JSON.parse(Buffer.from(d).toString()).v },
    cwd: "/tmp",
    signal: options.signal ?? new AbortController().signal,
    retryIndicator: "",
    observed: events !== undefined,
    emit: (e) => void events?.push(e),
    emitFrom: (step, e) => void events?.push({ ...e, step }),
    loadExport: async () => undefined,
    valueOf: (p) => parameterValue(p, services),
  };
  return services;
}

/** Fields of a fake request: any of the request's, a task body and the scope's parameters. */
export type RequestFields = Partial<AttemptRequest> & { execute?: TaskType["execute"]; parameters?: Parameters };

/** An attempt request over fake services. */
export function request(fields: RequestFields = {}): AttemptRequest & { stored: Parameters[] } {
  const stored: Parameters[] = [];
  const { execute, parameters, ...rest } = fields;
  return {
    node: taskNode(),
    internalName: "step",
    iterVars: {},
    attemptNumber: 1,
    stepLog: newStepLog("step", "step", "task"),
    services: fakeServices(),
    taskType: { execute: execute ?? (async () => ({})) },
    getParameters: async () => parameters ?? {},
    setParameters: async (p) => void stored.push(p),
    codeIdentities: async () => [],
    concurrent: false,
    stored,
    ...rest,
  };
}

/** A fresh attempt context. */
export function context(fields: RequestFields = {}): AttemptContext {
  return new AttemptContext(request(fields), new Date().toISOString());
}

/** A `next` that records it was called and optionally does something. */
export function nextDoing(effect: () => void | Promise<void> = () => undefined): (() => Promise<void>) & { calls: number } {
  const fn = Object.assign(
    async () => {
      fn.calls++;
      await effect();
    },
    { calls: 0 },
  );
  return fn;
}

/**
 * A stage as a test calls it: around a `next` standing for the task and the inner stages, as
 * `runStages` runs it — `before`; unless it skipped the task, `next` and `after`; then `end` —
 * with what they throw passing out (a rejection). The attempt's own handling of throws is
 * `runStages`' (see compose.test.ts).
 */
export function promised(stage: Stage): (ctx: AttemptContext, next: (ctx: AttemptContext) => unknown) => Promise<void> {
  return async (ctx, next) => {
    if ((await stage.before?.(ctx)) !== SKIP_TASK) {
      await next(ctx);
      await stage.after?.(ctx);
    }
    await stage.end?.(ctx);
  };
}
