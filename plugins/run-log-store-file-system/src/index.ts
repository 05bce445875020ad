import { readFileSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  definePlugin,
  findBranchLog,
  findStepLog,
  guardRunLogStore,
  KeyedMutex,
  logFolderConfigSchema,
  RunLogSchema,
  RunnableError,
  upsertBranchLog,
  upsertStepLog,
  writeFileAtomic,
  writeFileAtomicSync,
  type LastWrite,
  type BranchLog,
  type Parameters,
  type RunLog,
  type RunLogHeader,
  type RunLogStore,
  type RunSummary,
  type StepLog,
} from "@runnable-ts/sdk";

/**
 * A run log parsed from its JSON document.
 * @throws RunnableError `E_RUN_LOG_CORRUPT` naming `source` when the text is not JSON or not a run log.
 */
export function parseRunLog(text: string, source: string, runId: string): RunLog {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RunnableError("E_RUN_LOG_CORRUPT", `The run log ${source} is corrupt: it is not JSON (${(error as Error).message}). Restore it from a backup, or remove it.`, { runId, file: source });
  }
  const parsed = RunLogSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RunnableError(
      "E_RUN_LOG_CORRUPT",
      `The run log ${source} is corrupt: ${issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "not a run log"}. Restore it from a backup, or remove it.`,
      { runId, file: source },
    );
  }
  return parsed.data as RunLog;
}

/**
 * One JSON document per run, `<log_folder>/<run_id>.json`, in the reference's nested shape.
 * Every change rewrites the whole document (atomically), so cost grows with the run: use
 * `chunked-fs` for long runs. Writes are serialised within a process; several processes
 * writing one run at once are not supported (`supportsConcurrentWriters: false`).
 */
export class FileSystemRunLogStore implements RunLogStore {
  readonly supportsConcurrentWriters = false;
  private readonly mutex = new KeyedMutex();

  constructor(private readonly folder: string) {}

  private file(runId: string): string {
    return join(this.folder, `${runId}.json`);
  }

  private async read(runId: string): Promise<RunLog> {
    const file = this.file(runId);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new RunnableError("E_RUN_NOT_FOUND", `No run log for run id "${runId}" in ${this.folder}`, { runId });
      throw new RunnableError("E_RUN_LOG_CORRUPT", `The run log ${file} cannot be read: ${(error as Error).message}. Check its permissions, or restore it.`, { runId, file }, { cause: error });
    }
    return parseRunLog(text, file, runId);
  }

  private update(runId: string, change: (log: RunLog) => void): Promise<void> {
    return this.mutex.run(runId, async () => {
      const log = await this.read(runId);
      change(log);
      await writeFileAtomic(this.file(runId), JSON.stringify(log, null, 2));
    });
  }

  async createRunLog(header: RunLogHeader): Promise<void> {
    await this.mutex.run(header.run_id, async () => {
      if (await this.exists(header.run_id)) throw new RunnableError("E_RUN_EXISTS", `A run with id "${header.run_id}" already exists in ${this.folder}`, { runId: header.run_id });
      await writeFileAtomic(this.file(header.run_id), JSON.stringify({ ...header, steps: {} }, null, 2));
    });
  }

  async exists(runId: string): Promise<boolean> {
    return readFile(this.file(runId)).then(() => true, () => false);
  }

  getRunLog(runId: string): Promise<RunLog> {
    return this.mutex.run(runId, () => this.read(runId));
  }

  updateRunLog(runId: string, patch: Partial<Omit<RunLogHeader, "run_id" | "parameters">>): Promise<void> {
    return this.update(runId, (log) => Object.assign(log, patch));
  }

  async getParameters(runId: string, branch = ""): Promise<Parameters> {
    const log = await this.getRunLog(runId);
    return (branch === "" ? log.parameters : findBranchLog(log, branch)?.parameters) ?? {};
  }

  setParameters(runId: string, parameters: Parameters, branch = ""): Promise<void> {
    return this.update(runId, (log) => {
      const target = branch === "" ? log.parameters : findBranchLog(log, branch)?.parameters;
      if (!target) throw new RunnableError("E_RUN_NOT_FOUND", `Run ${runId} has no branch "${branch}"`, { runId });
      Object.assign(target, parameters);
    });
  }

  async getStepLog(runId: string, internalName: string): Promise<StepLog | undefined> {
    const step = findStepLog(await this.getRunLog(runId), internalName);
    return step && { ...step, branches: {} };
  }

  putStepLog(runId: string, stepLog: StepLog): Promise<void> {
    return this.update(runId, (log) => upsertStepLog(log, stepLog));
  }

  async getBranchLog(runId: string, internalName: string): Promise<BranchLog | undefined> {
    const branch = findBranchLog(await this.getRunLog(runId), internalName);
    return branch && { ...branch, steps: {} };
  }

  putBranchLog(runId: string, branchLog: BranchLog): Promise<void> {
    return this.update(runId, (log) => upsertBranchLog(log, branchLog));
  }

  /** The last word of a process that exits mid-run: read, change and rewrite the document synchronously. */
  writeSync(runId: string, records: LastWrite): void {
    const log = RunLogSchema.parse(JSON.parse(readFileSync(this.file(runId), "utf8"))) as RunLog;
    // Outer records first: a branch needs its owner step, a step its branch.
    const depth = (name: string): number => name.split(".").length;
    const all = [...records.steps.map((r) => ({ r, step: true })), ...records.branches.map((r) => ({ r, step: false }))].sort((a, b) => depth(a.r.internal_name) - depth(b.r.internal_name));
    for (const { r, step } of all) {
      try {
        if (step) upsertStepLog(log, r as StepLog);
        else upsertBranchLog(log, r as BranchLog);
      } catch {
        // its parent was never written: nothing to mark
      }
    }
    Object.assign(log, records.patch);
    writeFileAtomicSync(this.file(runId), JSON.stringify(log, null, 2));
  }

  async listRuns(): Promise<RunSummary[]> {
    const names = await readdir(this.folder).catch(() => [] as string[]);
    const runs: RunSummary[] = [];
    for (const name of names.filter((n) => n.endsWith(".json")).sort()) {
      try {
        const log = JSON.parse(await readFile(join(this.folder, name), "utf8")) as RunLog;
        runs.push({ run_id: log.run_id, status: log.status, tag: log.tag, dag_hash: log.dag_hash });
      } catch {
        // not a run log
      }
    }
    return runs;
  }
}

/** The `file-system` run-log store plugin. `log_folder` is relative to the working directory. */
export const fileSystemRunLogStore = definePlugin({
  kind: "run-log-store",
  name: "file-system",
  configSchema: logFolderConfigSchema,
  create: (config, deps) => guardRunLogStore("file-system", new FileSystemRunLogStore(resolve(deps.env.cwd, config.log_folder))),
});
