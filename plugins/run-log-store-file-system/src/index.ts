import { readFileSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  definePlugin,
  DocumentRunLogStore,
  guardRunLogStore,
  logFolderConfigSchema,
  parseRunLogDocument,
  RunnableError,
  upsertBranchLog,
  upsertStepLog,
  writeFileAtomic,
  writeFileAtomicSync,
  type BranchLog,
  type LastWrite,
  type RunLog,
  type RunSummary,
  type StepLog,
} from "@runnable-ts/sdk";

/**
 * One JSON document per run, `<log_folder>/<run_id>.json`, in the reference's nested shape.
 * Every change rewrites the whole document (atomically), so cost grows with the run: use
 * `chunked-fs` for long runs. Writes are serialised within a process; several processes
 * writing one run at once are not supported (`supportsConcurrentWriters: false`).
 */
export class FileSystemRunLogStore extends DocumentRunLogStore {
  constructor(private readonly folder: string) {
    super();
  }

  protected get location(): string {
    return this.folder;
  }

  private file(runId: string): string {
    return join(this.folder, `${runId}.json`);
  }

  protected async read(runId: string): Promise<RunLog> {
    const file = this.file(runId);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new RunnableError("E_RUN_NOT_FOUND", `No run log for run id "${runId}" in ${this.folder}`, { runId });
      throw new RunnableError("E_RUN_LOG_CORRUPT", `The run log ${file} cannot be read: ${(error as Error).message}. Check its permissions, or restore it.`, { runId, file }, { cause: error });
    }
    return parseRunLogDocument(text, file, runId);
  }

  protected write(runId: string, log: RunLog): Promise<void> {
    return writeFileAtomic(this.file(runId), JSON.stringify(log, null, 2));
  }

  async exists(runId: string): Promise<boolean> {
    return readFile(this.file(runId)).then(() => true, () => false);
  }

  /** The last word of a process that exits mid-run: read, change and rewrite the document synchronously. */
  writeSync(runId: string, records: LastWrite): void {
    const log = parseRunLogDocument(readFileSync(this.file(runId), "utf8"), this.file(runId), runId);
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
