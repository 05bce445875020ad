import { closeSync, mkdirSync, openSync, readSync, readdirSync, statSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import {
  assembleRunLog,
  definePlugin,
  RunnableError,
  z,
  type BranchLog,
  type Parameter,
  type Parameters,
  type RunLog,
  type RunLogHeader,
  type RunLogStore,
  type RunSummary,
  type StepLog,
} from "@runnable-ts/sdk";

/** One line of a journal. `s` orders records across writers: later wins, first fixes listing order. */
type JournalRecord =
  | { t: "header"; s: number; header: Partial<Omit<RunLogHeader, "run_config" | "parameters">> }
  | { t: "config"; s: number; config: Record<string, unknown> }
  | { t: "params"; s: number; scope: string; parameters: Parameters }
  | { t: "branch"; s: number; branch: Omit<BranchLog, "steps" | "parameters"> }
  | { t: "step"; s: number; log: StepLog };

interface Versioned<T> {
  first: number;
  last: number;
  value: T;
}

/** A run replayed from every writer's journal. */
interface RunState {
  header: Partial<Omit<RunLogHeader, "run_config" | "parameters">>;
  headerSeq: Map<string, number>;
  config?: Versioned<Record<string, unknown>>;
  params: Map<string, Map<string, Versioned<Parameter>>>;
  branches: Map<string, Versioned<Omit<BranchLog, "steps" | "parameters">>>;
  steps: Map<string, Versioned<StepLog>>;
  /** Bytes read so far, and an unterminated tail, per journal file. */
  files: Map<string, { offset: number; pending: string }>;
  /** This store's own journal in the run (created on first write), and its open descriptor. */
  own?: string;
  ownFd?: number;
  /** Lines written since the last flush (flushed once per event-loop turn). */
  buffered: string[];
  /** Modification time of the run folder when it was last listed (a new journal changes it). */
  listedAt?: number;
}

function put<T>(map: Map<string, Versioned<T>>, key: string, seq: number, value: T): void {
  const existing = map.get(key);
  if (!existing) map.set(key, { first: seq, last: seq, value });
  else {
    if (seq >= existing.last) {
      existing.last = seq;
      existing.value = value;
    }
    if (seq < existing.first) existing.first = seq;
  }
}

function apply(state: RunState, r: JournalRecord): void {
  switch (r.t) {
    case "header":
      for (const [k, v] of Object.entries(r.header)) {
        if ((state.headerSeq.get(k) ?? -1) > r.s) continue;
        state.headerSeq.set(k, r.s);
        (state.header as Record<string, unknown>)[k] = v;
      }
      break;
    case "config":
      if (!state.config || r.s >= state.config.last) state.config = { first: state.config?.first ?? r.s, last: r.s, value: r.config };
      break;
    case "params": {
      let scope = state.params.get(r.scope);
      if (!scope) state.params.set(r.scope, (scope = new Map()));
      for (const [name, p] of Object.entries(r.parameters)) put(scope, name, r.s, p);
      break;
    }
    case "branch":
      put(state.branches, r.branch.internal_name, r.s, r.branch);
      break;
    case "step":
      put(state.steps, r.log.internal_name, r.s, r.log);
      break;
  }
}

let counter = 0;
/** Increasing within a process; roughly ordered across processes by the clock. */
const nextSeq = (): number => Date.now() * 1000 + (counter++ % 1000);

/**
 * One folder per run, `<log_folder>/<run_id>/`, holding one append-only journal (JSON lines)
 * per writer: every store instance that writes to the run appends to its own
 * `journal-<pid>-<random>.jsonl`. A write is one append (its cost does not grow with the run),
 * and writers — concurrent branches in one process, or several processes — never write the same
 * file. Readers replay every journal of the run incrementally (only bytes appended since their
 * last read) and order records by their sequence number. A crash can only cut the last line of
 * a journal short; readers ignore it and nobody appends after it.
 */
export class ChunkedFsRunLogStore implements RunLogStore {
  readonly supportsConcurrentWriters = true;
  private readonly runs = new Map<string, RunState>();

  constructor(private readonly folder: string) {}

  private dir(runId: string): string {
    return join(this.folder, runId);
  }

  /**
   * The run's state. The first access reads every journal of the run; later ones see this
   * store's own writes at once and other writers' after {@link refresh} (or a full
   * {@link getRunLog}): looking at the folder on every read would cost more than the read.
   */
  private state(runId: string): RunState {
    const state = this.runs.get(runId);
    if (state) return state;
    return this.caughtUp(runId);
  }

  /** The run's state after reading what every other writer appended since the last look. */
  private caughtUp(runId: string): RunState {
    let state = this.runs.get(runId);
    if (!state) {
      state = { header: {}, headerSeq: new Map(), params: new Map(), branches: new Map(), steps: new Map(), files: new Map(), buffered: [] };
      this.runs.set(runId, state);
    }
    const dir = this.dir(runId);
    const mtime = statSync(dir, { throwIfNoEntry: false })?.mtimeMs;
    if (mtime === undefined) return state;
    // List again when a journal was added since (the folder's mtime moved) — or when the mtime is
    // so recent that another file could have been added within the same clock tick.
    if (mtime !== state.listedAt || Date.now() - mtime < 50) {
      state.listedAt = mtime;
      for (const name of readdirSync(dir)) if (name.endsWith(".jsonl") && name !== state.own && !state.files.has(name)) state.files.set(name, { offset: 0, pending: "" });
    }
    for (const name of state.files.keys()) this.catchUp(state, join(dir, name), name);
    return state;
  }

  private catchUp(state: RunState, path: string, name: string): void {
    const file = state.files.get(name)!;
    const size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
    if (size <= file.offset) return;
    const fd = openSync(path, "r");
    let text: string;
    try {
      const buffer = Buffer.allocUnsafe(size - file.offset);
      let read = 0;
      while (read < buffer.length) {
        const n = readSync(fd, buffer, read, buffer.length - read, file.offset + read);
        if (n === 0) break;
        read += n;
      }
      file.offset += read;
      text = file.pending + buffer.subarray(0, read).toString("utf8");
    } finally {
      closeSync(fd);
    }
    const lines = text.split("\n");
    file.pending = lines.pop() ?? "";
    for (const line of lines) {
      if (line === "") continue;
      let record: JournalRecord;
      try {
        record = JSON.parse(line) as JournalRecord;
      } catch {
        throw new RunnableError("E_RUN_NOT_FOUND", `run-log journal ${path} is corrupt: a line does not parse`, { file: path });
      }
      apply(state, record);
    }
  }

  /**
   * Applies records at once and appends them to this store's own journal of the run. Lines
   * written in one event-loop turn go out in one write at the end of the turn (concurrent
   * branches make many small records); a crash can lose at most that turn's lines, never leave
   * a half-written record that reads as valid.
   */
  private write(runId: string, records: JournalRecord[]): void {
    const state = this.state(runId);
    for (const r of records) {
      apply(state, r);
      state.buffered.push(`${JSON.stringify(r)}\n`);
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushNow());
    }
  }

  private flushScheduled = false;

  /** Writes the buffered lines of every run to their journals. */
  private flushNow(): void {
    this.flushScheduled = false;
    for (const [runId, state] of this.runs) {
      if (state.buffered.length === 0) continue;
      if (state.ownFd === undefined) {
        state.own ??= `journal-${process.pid}-${randomBytes(4).toString("hex")}.jsonl`;
        state.ownFd = openSync(join(this.dir(runId), state.own), "a");
      }
      const text = state.buffered.join("");
      state.buffered = [];
      writeSync(state.ownFd, text);
    }
  }

  /** Flushes and closes this store's journals (a later write reopens them). */
  async close(): Promise<void> {
    this.flushNow();
    for (const state of this.runs.values())
      if (state.ownFd !== undefined) {
        closeSync(state.ownFd);
        state.ownFd = undefined;
      }
  }

  /** Catches up with what other processes appended to the run's journals. */
  async refresh(runId: string): Promise<void> {
    this.caughtUp(runId);
  }

  /** Writes what is buffered now (done at the end of every event-loop turn anyway). */
  async flush(): Promise<void> {
    this.flushNow();
  }

  private known(runId: string): RunState {
    let state = this.state(runId);
    if (state.header.run_id === undefined) state = this.caughtUp(runId);
    if (state.header.run_id === undefined) throw new RunnableError("E_RUN_NOT_FOUND", `No run log for run id "${runId}" in ${this.folder}`, { runId });
    return state;
  }

  private parameters(state: RunState, scope: string): Parameters {
    const out: Parameters = {};
    for (const [name, v] of state.params.get(scope) ?? []) out[name] = v.value;
    return out;
  }

  async createRunLog(header: RunLogHeader): Promise<void> {
    mkdirSync(this.folder, { recursive: true });
    try {
      mkdirSync(this.dir(header.run_id));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST")
        throw new RunnableError("E_RUN_EXISTS", `A run with id "${header.run_id}" already exists in ${this.folder}`, { runId: header.run_id });
      throw error;
    }
    const { run_config, parameters, ...rest } = header;
    const s = nextSeq();
    this.write(header.run_id, [
      { t: "config", s, config: run_config },
      { t: "params", s, scope: "", parameters },
      { t: "header", s, header: rest },
    ]);
    this.flushNow();
  }

  async exists(runId: string): Promise<boolean> {
    return this.caughtUp(runId).header.run_id !== undefined;
  }

  async getRunLog(runId: string): Promise<RunLog> {
    this.caughtUp(runId);
    const state = this.known(runId);
    const byFirst = <T>(map: Map<string, Versioned<T>>): T[] => [...map.values()].sort((a, b) => a.first - b.first).map((v) => v.value);
    const header = { ...state.header, parameters: this.parameters(state, ""), run_config: state.config?.value ?? {} } as RunLogHeader;
    const branches = byFirst(state.branches).map((b) => ({ ...b, steps: {}, parameters: this.parameters(state, b.internal_name) }));
    // One-level copies: attempts and catalog entries are never changed once recorded.
    return assembleRunLog(header, byFirst(state.steps).map((s) => ({ ...s, attempts: [...s.attempts], data_catalog: [...s.data_catalog] })), branches);
  }

  async updateRunLog(runId: string, patch: Partial<Omit<RunLogHeader, "run_id" | "parameters">>): Promise<void> {
    this.known(runId);
    const { run_config, ...rest } = patch;
    const s = nextSeq();
    const records: JournalRecord[] = [];
    if (run_config !== undefined) records.push({ t: "config", s, config: run_config });
    if (Object.keys(rest).length > 0) records.push({ t: "header", s, header: rest });
    this.write(runId, records);
    this.flushNow();
  }

  async getParameters(runId: string, branch = ""): Promise<Parameters> {
    return this.parameters(this.known(runId), branch);
  }

  async setParameters(runId: string, parameters: Parameters, branch = ""): Promise<void> {
    const state = this.known(runId);
    if (branch !== "" && !state.branches.has(branch)) throw new RunnableError("E_RUN_NOT_FOUND", `Run ${runId} has no branch "${branch}"`, { runId });
    this.write(runId, [{ t: "params", s: nextSeq(), scope: branch, parameters }]);
  }

  async getStepLog(runId: string, internalName: string): Promise<StepLog | undefined> {
    const found = this.state(runId).steps.get(internalName)?.value;
    return found && structuredClone(found);
  }

  async putStepLog(runId: string, stepLog: StepLog): Promise<void> {
    this.write(runId, [{ t: "step", s: nextSeq(), log: { ...stepLog, attempts: [...stepLog.attempts], data_catalog: [...stepLog.data_catalog], branches: {} } }]);
  }

  async getBranchLog(runId: string, internalName: string): Promise<BranchLog | undefined> {
    const state = this.state(runId);
    const found = state.branches.get(internalName)?.value;
    return found && { ...structuredClone(found), steps: {}, parameters: this.parameters(state, internalName) };
  }

  async putBranchLog(runId: string, branchLog: BranchLog): Promise<void> {
    const state = this.state(runId);
    const { steps: _steps, parameters, ...branch } = branchLog;
    const current = state.params.get(branchLog.internal_name);
    const changed = Object.entries(parameters).filter(([k, p]) => {
      const known = current?.get(k)?.value;
      return known !== p && JSON.stringify(known) !== JSON.stringify(p);
    });
    const s = nextSeq();
    this.write(runId, [
      { t: "branch", s, branch },
      ...(changed.length > 0 ? [{ t: "params" as const, s, scope: branchLog.internal_name, parameters: Object.fromEntries(changed) }] : []),
    ]);
  }

  async listRuns(): Promise<RunSummary[]> {
    let names: string[];
    try {
      names = readdirSync(this.folder).sort();
    } catch {
      return [];
    }
    const runs: RunSummary[] = [];
    for (const name of names) {
      if (!statSync(join(this.folder, name)).isDirectory()) continue;
      const header = this.caughtUp(name).header;
      if (header.run_id !== undefined) runs.push({ run_id: header.run_id, status: header.status ?? "CREATED", tag: header.tag ?? "", dag_hash: header.dag_hash ?? null });
    }
    return runs;
  }
}

/** The `chunked-fs` run-log store plugin (the default). `log_folder` is relative to the working directory. */
export const chunkedFsRunLogStore = definePlugin({
  kind: "run-log-store",
  name: "chunked-fs",
  configSchema: z.object({ log_folder: z.string().min(1).default(".run_log_store") }),
  create: (config, deps) => new ChunkedFsRunLogStore(resolve(deps.env.cwd, config.log_folder)),
});
