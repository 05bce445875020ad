import { readFile, readdir, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  assembleRunLog,
  definePlugin,
  KeyedMutex,
  RunnableError,
  writeFileAtomic,
  z,
  type BranchLog,
  type Parameters,
  type RunLog,
  type RunLogHeader,
  type RunLogStore,
  type RunSummary,
  type StepLog,
} from "@runnable-ts/sdk";

const HEADER = "RunLog.json";

interface Record_<T> {
  /** Creation order, so the assembled run log lists steps in the order they started. */
  seq: number;
  log: T;
}

let counter = 0;
const nextSeq = (): number => Date.now() * 1000 + (counter++ % 1000);

/**
 * One folder per run, `<log_folder>/<run_id>/`: `RunLog.json` (run fields and root
 * parameters), `StepLog-<internal name>.json` per step and `BranchLog-<internal name>.json` per
 * branch. A write touches one small file (atomically), so its cost does not grow with the run,
 * and concurrent branches — in one process or several — write different files.
 */
export class ChunkedFsRunLogStore implements RunLogStore {
  readonly supportsConcurrentWriters = true;
  private readonly mutex = new KeyedMutex();
  private readonly seqs = new Map<string, number>();

  constructor(private readonly folder: string) {}

  private dir(runId: string): string {
    return join(this.folder, runId);
  }

  private async readJson<T>(path: string): Promise<T | undefined> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch {
      return undefined;
    }
    return JSON.parse(text) as T;
  }

  private async header(runId: string): Promise<RunLogHeader> {
    const header = await this.readJson<RunLogHeader>(join(this.dir(runId), HEADER));
    if (!header) throw new RunnableError("E_RUN_NOT_FOUND", `No run log for run id "${runId}" in ${this.folder}`, { runId });
    return header;
  }

  private async writeRecord<T>(runId: string, file: string, log: T): Promise<void> {
    const path = join(this.dir(runId), file);
    let seq = this.seqs.get(path);
    if (seq === undefined) {
      seq = (await this.readJson<Record_<T>>(path))?.seq ?? nextSeq();
      this.seqs.set(path, seq);
    }
    await writeFileAtomic(path, JSON.stringify({ seq, log }));
  }

  async createRunLog(header: RunLogHeader): Promise<void> {
    const dir = this.dir(header.run_id);
    await mkdir(this.folder, { recursive: true });
    try {
      await mkdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST")
        throw new RunnableError("E_RUN_EXISTS", `A run with id "${header.run_id}" already exists in ${this.folder}`, { runId: header.run_id });
      throw error;
    }
    await writeFileAtomic(join(dir, HEADER), JSON.stringify(header));
  }

  async exists(runId: string): Promise<boolean> {
    return (await this.readJson(join(this.dir(runId), HEADER))) !== undefined;
  }

  async getRunLog(runId: string): Promise<RunLog> {
    const header = await this.header(runId);
    const names = await readdir(this.dir(runId));
    const steps: Record_<StepLog>[] = [];
    const branches: Record_<BranchLog>[] = [];
    await Promise.all(
      names.map(async (name) => {
        if (name.endsWith(".tmp")) return;
        if (name.startsWith("StepLog-")) {
          const record = await this.readJson<Record_<StepLog>>(join(this.dir(runId), name));
          if (record) steps.push(record);
        } else if (name.startsWith("BranchLog-")) {
          const record = await this.readJson<Record_<BranchLog>>(join(this.dir(runId), name));
          if (record) branches.push(record);
        }
      }),
    );
    steps.sort((a, b) => a.seq - b.seq);
    branches.sort((a, b) => a.seq - b.seq);
    return assembleRunLog(header, steps.map((s) => s.log), branches.map((b) => b.log));
  }

  updateRunLog(runId: string, patch: Partial<Omit<RunLogHeader, "run_id" | "parameters">>): Promise<void> {
    return this.mutex.run(`${runId}/${HEADER}`, async () => {
      const header = await this.header(runId);
      await writeFileAtomic(join(this.dir(runId), HEADER), JSON.stringify({ ...header, ...patch }));
    });
  }

  async getParameters(runId: string, branch = ""): Promise<Parameters> {
    if (branch === "") return (await this.header(runId)).parameters;
    return (await this.getBranchLog(runId, branch))?.parameters ?? {};
  }

  setParameters(runId: string, parameters: Parameters, branch = ""): Promise<void> {
    if (branch === "")
      return this.mutex.run(`${runId}/${HEADER}`, async () => {
        const header = await this.header(runId);
        await writeFileAtomic(join(this.dir(runId), HEADER), JSON.stringify({ ...header, parameters: { ...header.parameters, ...parameters } }));
      });
    return this.mutex.run(`${runId}/BranchLog-${branch}`, async () => {
      const log = await this.getBranchLog(runId, branch);
      if (!log) throw new RunnableError("E_RUN_NOT_FOUND", `Run ${runId} has no branch "${branch}"`, { runId });
      await this.writeRecord(runId, `BranchLog-${branch}.json`, { ...log, parameters: { ...log.parameters, ...parameters } });
    });
  }

  async getStepLog(runId: string, internalName: string): Promise<StepLog | undefined> {
    return (await this.readJson<Record_<StepLog>>(join(this.dir(runId), `StepLog-${internalName}.json`)))?.log;
  }

  putStepLog(runId: string, stepLog: StepLog): Promise<void> {
    return this.mutex.run(`${runId}/StepLog-${stepLog.internal_name}`, () =>
      this.writeRecord(runId, `StepLog-${stepLog.internal_name}.json`, { ...stepLog, branches: {} }),
    );
  }

  async getBranchLog(runId: string, internalName: string): Promise<BranchLog | undefined> {
    return (await this.readJson<Record_<BranchLog>>(join(this.dir(runId), `BranchLog-${internalName}.json`)))?.log;
  }

  putBranchLog(runId: string, branchLog: BranchLog): Promise<void> {
    return this.mutex.run(`${runId}/BranchLog-${branchLog.internal_name}`, () =>
      this.writeRecord(runId, `BranchLog-${branchLog.internal_name}.json`, { ...branchLog, steps: {} }),
    );
  }

  async listRuns(): Promise<RunSummary[]> {
    const names = await readdir(this.folder).catch(() => [] as string[]);
    const runs: RunSummary[] = [];
    for (const name of names.sort()) {
      const header = await this.readJson<RunLogHeader>(join(this.folder, name, HEADER)).catch(() => undefined);
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
