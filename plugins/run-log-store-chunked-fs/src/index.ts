import { mkdirSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  assembleRunLog,
  definePlugin,
  parentBranchOf,
  RunnableError,
  z,
  type BranchLog,
  type Parameters,
  type RunLog,
  type RunLogHeader,
  type RunLogStore,
  type RunSummary,
  type StepLog,
} from "@runnable-ts/sdk";
import { Journal, type JournalRecord } from "./journal";

const ROOT = "RunLog.jsonl";
const branchFile = (name: string): string => `BranchLog-${name}.jsonl`;

/** What one journal (the root's or a branch's) holds once replayed. */
interface ScopeState {
  header?: Omit<RunLogHeader, "run_config" | "parameters">;
  runConfig?: Record<string, unknown>;
  branch?: Omit<BranchLog, "steps" | "parameters">;
  /** Creation order of the branch, for listing branches in the order they started. */
  branchSeq?: number;
  parameters: Parameters;
  steps: Map<string, { seq: number; log: StepLog }>;
}

function applyRecord(state: ScopeState, record: JournalRecord): void {
  switch (record.t) {
    case "header":
      state.header = { ...state.header, ...(record.header as ScopeState["header"]) } as ScopeState["header"];
      break;
    case "config":
      state.runConfig = record.config as Record<string, unknown>;
      break;
    case "params":
      Object.assign(state.parameters, record.parameters as Parameters);
      break;
    case "branch":
      state.branch = record.branch as ScopeState["branch"];
      state.branchSeq ??= record.seq as number;
      break;
    case "step": {
      const log = record.log as StepLog;
      state.steps.set(log.internal_name, { seq: state.steps.get(log.internal_name)?.seq ?? (record.seq as number), log });
      break;
    }
    default:
      break;
  }
}

let counter = 0;
const nextSeq = (): number => Date.now() * 1000 + (counter++ % 1000);

/**
 * One folder per run, `<log_folder>/<run_id>/`, holding one append-only journal per scope:
 * `RunLog.jsonl` for the run and its root steps, `BranchLog-<internal name>.jsonl` for each
 * branch and its steps. A write appends one JSON line, so its cost does not grow with the run;
 * branches running at once (in one process or several) write different files. A crash can
 * only cut the last line short, which readers ignore: the run log stays readable for retry.
 */
export class ChunkedFsRunLogStore implements RunLogStore {
  readonly supportsConcurrentWriters = true;
  private readonly journals = new Map<string, Journal<ScopeState>>();

  constructor(private readonly folder: string) {}

  private dir(runId: string): string {
    return join(this.folder, runId);
  }

  /** The journal of a scope ("" = the run), caught up with what was appended so far. */
  private journal(runId: string, scope: string): Journal<ScopeState> {
    const path = join(this.dir(runId), scope === "" ? ROOT : branchFile(scope));
    let journal = this.journals.get(path);
    if (!journal) {
      journal = new Journal<ScopeState>(path, { parameters: {}, steps: new Map() }, applyRecord);
      this.journals.set(path, journal);
    }
    journal.refresh();
    return journal;
  }

  private root(runId: string): Journal<ScopeState> {
    const journal = this.journal(runId, "");
    if (!journal.state.header) throw new RunnableError("E_RUN_NOT_FOUND", `No run log for run id "${runId}" in ${this.folder}`, { runId });
    return journal;
  }

  private branch(runId: string, name: string): Journal<ScopeState> {
    const journal = this.journal(runId, name);
    if (!journal.state.branch) throw new RunnableError("E_RUN_NOT_FOUND", `Run ${runId} has no branch "${name}"`, { runId });
    return journal;
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
    const journal = this.journal(header.run_id, "");
    journal.append({ t: "config", config: run_config });
    journal.append({ t: "params", parameters });
    journal.append({ t: "header", header: rest });
  }

  async exists(runId: string): Promise<boolean> {
    return this.journal(runId, "").state.header !== undefined;
  }

  async getRunLog(runId: string): Promise<RunLog> {
    const root = this.root(runId).state;
    const steps: { seq: number; log: StepLog }[] = [...root.steps.values()];
    const branches: { seq: number; log: BranchLog }[] = [];
    for (const name of readdirSync(this.dir(runId))) {
      if (!name.startsWith("BranchLog-") || !name.endsWith(".jsonl")) continue;
      const state = this.journal(runId, name.slice("BranchLog-".length, -".jsonl".length)).state;
      if (!state.branch) continue;
      branches.push({ seq: state.branchSeq ?? 0, log: { ...state.branch, steps: {}, parameters: { ...state.parameters } } });
      steps.push(...state.steps.values());
    }
    steps.sort((a, b) => a.seq - b.seq);
    branches.sort((a, b) => a.seq - b.seq);
    const header = { ...root.header!, parameters: { ...root.parameters }, run_config: root.runConfig ?? {} } as RunLogHeader;
    return structuredClone(assembleRunLog(header, steps.map((s) => s.log), branches.map((b) => b.log)));
  }

  async updateRunLog(runId: string, patch: Partial<Omit<RunLogHeader, "run_id" | "parameters">>): Promise<void> {
    const journal = this.root(runId);
    const { run_config, ...rest } = patch;
    if (run_config !== undefined) journal.append({ t: "config", config: run_config });
    if (Object.keys(rest).length > 0) journal.append({ t: "header", header: rest });
  }

  async getParameters(runId: string, branch = ""): Promise<Parameters> {
    const journal = branch === "" ? this.root(runId) : this.journal(runId, branch);
    return { ...journal.state.parameters };
  }

  async setParameters(runId: string, parameters: Parameters, branch = ""): Promise<void> {
    (branch === "" ? this.root(runId) : this.branch(runId, branch)).append({ t: "params", parameters });
  }

  async getStepLog(runId: string, internalName: string): Promise<StepLog | undefined> {
    const found = this.journal(runId, parentBranchOf(internalName)).state.steps.get(internalName)?.log;
    return found && structuredClone(found);
  }

  async putStepLog(runId: string, stepLog: StepLog): Promise<void> {
    const journal = this.journal(runId, parentBranchOf(stepLog.internal_name));
    journal.append({ t: "step", seq: nextSeq(), log: { ...stepLog, branches: {} } });
  }

  async getBranchLog(runId: string, internalName: string): Promise<BranchLog | undefined> {
    const state = this.journal(runId, internalName).state;
    return state.branch && { ...structuredClone(state.branch), steps: {}, parameters: { ...state.parameters } };
  }

  async putBranchLog(runId: string, branchLog: BranchLog): Promise<void> {
    const journal = this.journal(runId, branchLog.internal_name);
    const { steps: _steps, parameters, ...branch } = branchLog;
    journal.append({ t: "branch", seq: nextSeq(), branch });
    const changed = Object.entries(parameters).filter(([k, p]) => JSON.stringify(journal.state.parameters[k]) !== JSON.stringify(p));
    if (changed.length > 0) journal.append({ t: "params", parameters: Object.fromEntries(changed) });
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
      const header = this.journal(name, "").state.header;
      if (header) runs.push({ run_id: header.run_id, status: header.status, tag: header.tag, dag_hash: header.dag_hash });
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
