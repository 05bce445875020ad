import { isPromiseLike, type Awaitable, type LastWrite, type RunLogStore } from "./contracts";
import { isRunnableError, RunnableError } from "./errors";
import {
  applyRecord,
  assembleJournal,
  compactStep,
  encodeBatch,
  encodeJournal,
  fullStep,
  journalParameters,
  newJournalState,
  replayJournal,
  SequenceClock,
  type JournalRecord,
  type JournalState,
} from "./journal";
import type { BranchLog, Parameters, RunLog, RunLogHeader, RunSummary, StepLog } from "./run-log";

/** Text another writer added to a run, from one file or object. */
export interface JournalChunk {
  /** The file or object it came from (named in `E_RUN_LOG_CORRUPT`). */
  source: string;
  /** Complete JSON lines. */
  text: string;
  /** Line number of the text's first line in its source (for messages); default 1. */
  firstLine?: number;
}

/**
 * Where a {@link JournalRunLogStore} keeps its journals: a folder, a bucket. One backend
 * instance is one writer: everything it appends goes to journals (files, objects) no other
 * writer writes, so writers never overwrite each other.
 */
export interface JournalBackend {
  /** Where runs are kept, for messages (a folder, `s3://bucket/prefix`). */
  readonly location: string;
  /** Creates the run and writes its first records; rejects with `E_RUN_EXISTS` when the run id is taken. */
  create(runId: string, text: string): Promise<void>;
  /** Appends JSON lines to this writer's journal of the run (a crash may lose a batch, never corrupt one). */
  append(runId: string, text: string): void | Promise<void>;
  /** What other writers added to the run since the last call; nothing when the run does not exist. */
  read(runId: string): Promise<JournalChunk[]>;
  /** The run ids in the store, sorted. */
  listRuns(): Promise<string[]>;
  /** Releases files or connections. */
  close?(): void | Promise<void>;
}

/** Records a batch holds at most before it is handed to the backend without waiting for the event loop. */
const BATCH_RECORDS = 1024;

interface RunEntry {
  state: JournalState;
  /** Records not yet handed to the backend (encoded when handed, see {@link encodeBatch}). */
  buffer: JournalRecord[];
  /** Text of a batch the backend failed to take, to hand again before the buffer. */
  retry: string;
  inflight?: Promise<void>;
  /** Set when a journal of the run did not replay: every later read rejects with it. */
  corrupt?: RunnableError;
}

/**
 * A {@link RunLogStore} over journals of records (see `journal.ts`): every write is one record
 * appended to this writer's journal, so its cost does not depend on the size of the run, and
 * reads replay what every writer appended. Records written in one event-loop turn go to the
 * backend in one append at the end of the turn; with an asynchronous backend at most one append
 * per run is in flight and the next batch gathers meanwhile (group commit). When an append fails
 * the store keeps the batch, every later call rejects with the error, and {@link flush} /
 * {@link close} try the batch again.
 *
 * Used by the `chunked-fs` and `chunked-minio` plugins; a third-party store over another medium
 * implements a {@link JournalBackend} and composes this class.
 */
export class JournalRunLogStore implements RunLogStore {
  readonly supportsConcurrentWriters = true;
  private readonly runs = new Map<string, RunEntry>();
  private readonly dirty = new Set<string>();
  private readonly clock = new SequenceClock();
  /** The end-of-turn flush, once one is scheduled. */
  private scheduled: NodeJS.Immediate | undefined;
  private failure?: RunnableError;

  /** @param plugin the plugin's name, in wrapped errors. */
  constructor(
    private readonly backend: JournalBackend,
    private readonly plugin: string,
  ) {}

  private wrap(error: unknown, operation: string, runId?: string): RunnableError {
    if (isRunnableError(error)) {
      error.context.plugin ??= this.plugin;
      error.context.operation ??= operation;
      return error;
    }
    const message = (error as Error | undefined)?.message ?? String(error);
    return new RunnableError(
      "E_STORE",
      `run-log store "${this.plugin}" (${this.backend.location}): ${operation}${runId ? ` of run ${runId}` : ""} failed: ${message}`,
      { plugin: this.plugin, kind: "run-log-store", operation, ...(runId ? { runId } : {}) },
      { cause: error },
    );
  }

  private entry(runId: string): RunEntry {
    let entry = this.runs.get(runId);
    if (!entry) this.runs.set(runId, (entry = { state: newJournalState(), buffer: [], retry: "" }));
    return entry;
  }

  /** The run's state, replaying what other writers appended since the last look. */
  private async caughtUp(runId: string): Promise<RunEntry> {
    const entry = this.entry(runId);
    let chunks;
    try {
      chunks = await this.backend.read(runId);
    } catch (error) {
      throw this.wrap(error, "read", runId);
    }
    try {
      for (const chunk of chunks) replayJournal(entry.state, chunk.text, chunk.source, chunk.firstLine);
    } catch (error) {
      entry.corrupt ??= this.wrap(error, "read", runId);
    }
    if (entry.corrupt) throw entry.corrupt;
    this.clock.observe(entry.state.maxSeq);
    return entry;
  }

  /**
   * The run's state: the first access reads every journal of the run; later ones see this
   * store's own writes at once and other writers' after {@link refresh} or {@link getRunLog}.
   */
  private state(runId: string): RunEntry | Promise<RunEntry> {
    return this.runs.get(runId) ?? this.caughtUp(runId);
  }

  /** The run's state when it is known here already (no read), else a promise of it. */
  private known(runId: string): RunEntry | Promise<RunEntry> {
    const entry = this.runs.get(runId);
    return entry && entry.state.header.run_id !== undefined ? entry : this.knownAfterReading(runId);
  }

  private async knownAfterReading(runId: string): Promise<RunEntry> {
    let entry = await this.state(runId);
    if (entry.state.header.run_id === undefined) entry = await this.caughtUp(runId);
    if (entry.state.header.run_id === undefined)
      throw new RunnableError("E_RUN_NOT_FOUND", `No run log for run id "${runId}" in ${this.backend.location}`, { runId, plugin: this.plugin });
    return entry;
  }

  private write(runId: string, entry: RunEntry, records: JournalRecord[]): void {
    for (const r of records) {
      applyRecord(entry.state, r);
      entry.buffer.push(r);
    }
    this.dirty.add(runId);
    if (this.failure) throw this.failure;
    // A run whose tasks never wait (sync functions) never yields to the event loop: hand a
    // full batch over at once, so memory stays bounded and the journal keeps up with the run.
    if (entry.buffer.length >= BATCH_RECORDS) this.flushNow();
    this.scheduled ??= setImmediate(() => {
      this.scheduled = undefined;
      if (!this.failure) this.flushNow();
    });
  }

  /** Hands every run's buffered lines to the backend (one append per run, unless one is in flight). */
  private flushNow(): void {
    for (const runId of this.dirty) {
      const entry = this.runs.get(runId)!;
      if (entry.inflight) continue;
      this.dirty.delete(runId);
      if (entry.buffer.length === 0 && entry.retry === "") continue;
      const text = entry.retry + encodeBatch(entry.buffer);
      entry.buffer = [];
      entry.retry = "";
      const failed = (error: unknown): void => {
        entry.retry = text + entry.retry;
        this.dirty.add(runId);
        this.failure ??= this.wrap(error, "write", runId);
      };
      try {
        const pending = this.backend.append(runId, text);
        if (pending)
          entry.inflight = pending.then(
            () => {
              entry.inflight = undefined;
              if ((entry.buffer.length > 0 || entry.retry !== "") && !this.failure) {
                this.dirty.add(runId);
                this.flushNow();
              }
            },
            (error: unknown) => {
              entry.inflight = undefined;
              failed(error);
            },
          );
      } catch (error) {
        failed(error);
      }
    }
  }

  /**
   * Writes everything buffered so far and waits until the backend holds it.
   * @throws the store's error when an append fails (the batch is kept for the next try).
   */
  async flush(): Promise<void> {
    this.failure = undefined;
    for (;;) {
      this.flushNow();
      const inflight = [...this.runs.values()].flatMap((e) => (e.inflight ? [e.inflight] : []));
      if (inflight.length > 0) await Promise.all(inflight);
      if (this.failure) throw this.failure;
      if (inflight.length === 0 && this.dirty.size === 0) return;
    }
  }

  /**
   * Flushes, then releases the backend's files or connections (a later write reopens them). The
   * end-of-turn flush still scheduled is cancelled (everything is flushed): it would keep the
   * store, and so every run log it holds, alive until the event loop next turns — for the whole
   * of a next run whose tasks never wait.
   */
  async close(): Promise<void> {
    try {
      await this.flush();
      if (this.scheduled) clearImmediate(this.scheduled);
      this.scheduled = undefined;
    } finally {
      await this.backend.close?.();
    }
  }

  /** Catches up with what other writers appended to the run. */
  async refresh(runId: string): Promise<void> {
    await this.caughtUp(runId);
  }

  async createRunLog(header: RunLogHeader): Promise<void> {
    const { run_config, parameters, ...rest } = header;
    const s = this.clock.next();
    const records: JournalRecord[] = [
      { t: "config", s, config: run_config },
      { t: "params", s, scope: "", parameters },
      { t: "header", s, header: rest },
    ];
    try {
      await this.backend.create(header.run_id, encodeJournal(records));
    } catch (error) {
      throw this.wrap(error, "create", header.run_id);
    }
    const entry = this.entry(header.run_id);
    for (const r of records) applyRecord(entry.state, r);
  }

  async exists(runId: string): Promise<boolean> {
    return (await this.caughtUp(runId)).state.header.run_id !== undefined;
  }

  async getRunLog(runId: string): Promise<RunLog> {
    await this.caughtUp(runId);
    return assembleJournal((await this.known(runId)).state);
  }

  async updateRunLog(runId: string, patch: Partial<Omit<RunLogHeader, "run_id" | "parameters">>): Promise<void> {
    const entry = await this.known(runId);
    const { run_config, ...rest } = patch;
    const s = this.clock.next();
    const records: JournalRecord[] = [];
    if (run_config !== undefined) records.push({ t: "config", s, config: run_config });
    if (Object.keys(rest).length > 0) records.push({ t: "header", s, header: rest });
    this.write(runId, entry, records);
    await this.flush();
  }

  // The per-step methods answer synchronously once the run's state is here (every call of a
  // running run's writer): no promise per call. A failure is a rejected promise.

  getParameters(runId: string, branch = ""): Awaitable<Parameters> {
    return after(this.known(runId), (entry) => journalParameters(entry.state, branch));
  }

  setParameters(runId: string, parameters: Parameters, branch = ""): Awaitable<void> {
    return after(this.known(runId), (entry) => {
      if (branch !== "" && !entry.state.branches.has(branch)) throw new RunnableError("E_RUN_NOT_FOUND", `Run ${runId} has no branch "${branch}"`, { runId });
      this.write(runId, entry, [{ t: "params", s: this.clock.next(), scope: branch, parameters }]);
    });
  }

  getStepLog(runId: string, internalName: string): Awaitable<StepLog | undefined> {
    return after(this.state(runId), (entry) => {
      const found = entry.state.steps.get(internalName)?.value;
      return found && fullStep(structuredClone(found));
    });
  }

  putStepLog(runId: string, stepLog: StepLog): Awaitable<void> {
    return after(this.state(runId), (entry) =>
      this.write(runId, entry, [{ t: "step", s: this.clock.next(), log: compactStep(stepLog) }]),
    );
  }

  getBranchLog(runId: string, internalName: string): Awaitable<BranchLog | undefined> {
    return after(this.state(runId), ({ state }) => {
      const found = state.branches.get(internalName)?.value;
      return found && { ...structuredClone(found), steps: {}, parameters: journalParameters(state, internalName) };
    });
  }

  putBranchLog(runId: string, branchLog: BranchLog): Awaitable<void> {
    return after(this.state(runId), (entry) => this.writeBranch(runId, entry, branchLog));
  }

  private writeBranch(runId: string, entry: RunEntry, branchLog: BranchLog): void {
    const { internal_name, status, parameters } = branchLog;
    const current = entry.state.params.get(internal_name);
    // Only the parameters that differ from what the journal holds (usually none: a branch's
    // own were written as they were set).
    let changed: Parameters | undefined;
    for (const name in parameters) {
      const p = parameters[name]!;
      const known = current?.get(name)?.value;
      if (known !== p && JSON.stringify(known) !== JSON.stringify(p)) (changed ??= {})[name] = p;
    }
    const s = this.clock.next();
    const records: JournalRecord[] = [{ t: "branch", s, branch: { internal_name, status } }];
    if (changed) records.push({ t: "params", s, scope: internal_name, parameters: changed });
    this.write(runId, entry, records);
  }

  /**
   * The exit guard's last write (the process is exiting): the records are applied and everything
   * buffered is handed to the backend at once. With a synchronous backend (files) it is on disk
   * when this returns; an asynchronous one (S3) cannot finish while the process exits.
   */
  writeSync(runId: string, last: LastWrite): void {
    const entry = this.runs.get(runId);
    if (!entry) return;
    const s = this.clock.next();
    const { run_config, ...rest } = last.patch;
    const records: JournalRecord[] = [
      ...last.steps.map((log): JournalRecord => ({ t: "step", s, log: compactStep(log) })),
      ...last.branches.map((b): JournalRecord => {
        const { steps: _steps, parameters: _parameters, ...branch } = b;
        return { t: "branch", s, branch };
      }),
      ...(run_config !== undefined ? [{ t: "config" as const, s, config: run_config }] : []),
      ...(Object.keys(rest).length > 0 ? [{ t: "header" as const, s, header: rest }] : []),
    ];
    for (const r of records) {
      applyRecord(entry.state, r);
      entry.buffer.push(r);
    }
    this.dirty.add(runId);
    this.failure = undefined;
    this.flushNow();
  }

  async listRuns(): Promise<RunSummary[]> {
    let ids: string[];
    try {
      ids = await this.backend.listRuns();
    } catch (error) {
      throw this.wrap(error, "list runs");
    }
    const runs: RunSummary[] = [];
    for (const id of ids) {
      const header = (await this.caughtUp(id)).state.header;
      if (header.run_id !== undefined) runs.push({ run_id: header.run_id, status: header.status ?? "CREATED", tag: header.tag ?? "", dag_hash: header.dag_hash ?? null });
    }
    return runs;
  }
}

/** `fn(value)` at once for a value, after it resolves for a promise; a failure is a rejected promise either way. */
function after<T, R>(value: T | Promise<T>, fn: (value: T) => R): R | Promise<R> {
  if (isPromiseLike(value)) return Promise.resolve(value).then(fn);
  try {
    return fn(value);
  } catch (error) {
    return Promise.reject(error);
  }
}
