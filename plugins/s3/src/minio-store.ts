import {
  findBranchLog,
  findStepLog,
  KeyedMutex,
  mapLimit,
  RunLogSchema,
  RunnableError,
  upsertBranchLog,
  upsertStepLog,
  type BranchLog,
  type Parameters,
  type RunLog,
  type RunLogHeader,
  type RunLogStore,
  type RunSummary,
  type StepLog,
} from "@runnable-ts/sdk";
import { S3Connection, type S3Config } from "./connection";

/**
 * One JSON document per run, `<prefix><run_id>.json`, in the reference's nested shape. Every
 * change rewrites the whole object, so cost grows with the run: use `chunked-minio` for long or
 * distributed runs. Writes are serialised within a process; several processes writing one run at
 * once are not supported (`supportsConcurrentWriters: false`).
 */
export class MinioRunLogStore implements RunLogStore {
  readonly supportsConcurrentWriters = false;
  private readonly mutex = new KeyedMutex();
  readonly connection: S3Connection;

  constructor(config: S3Config) {
    this.connection = new S3Connection(config, 'run-log store "minio"');
  }

  private key(runId: string): string {
    return `${this.connection.prefix}${runId}.json`;
  }

  private parse(bytes: Uint8Array, runId: string): RunLog {
    const source = `s3://${this.connection.bucket}/${this.key(runId)}`;
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(bytes).toString("utf8"));
    } catch {
      throw new RunnableError("E_RUN_LOG_CORRUPT", `The run log ${source} is corrupt: it is not JSON. Restore the object, or delete it.`, { runId, file: source });
    }
    const parsed = RunLogSchema.safeParse(json);
    if (!parsed.success) throw new RunnableError("E_RUN_LOG_CORRUPT", `The run log ${source} is corrupt: ${parsed.error.issues[0]?.message ?? "not a run log"}. Restore the object, or delete it.`, { runId, file: source });
    return parsed.data as RunLog;
  }

  private async read(runId: string): Promise<RunLog> {
    const bytes = await this.connection.getBytes(this.key(runId));
    if (bytes === undefined) throw new RunnableError("E_RUN_NOT_FOUND", `No run log for run id "${runId}" in ${this.connection.location}`, { runId });
    return this.parse(bytes, runId);
  }

  private write(runId: string, log: RunLog): Promise<void> {
    return this.connection.put(this.key(runId), JSON.stringify(log), { ContentType: "application/json" });
  }

  private update(runId: string, change: (log: RunLog) => void): Promise<void> {
    return this.mutex.run(runId, async () => {
      const log = await this.read(runId);
      change(log);
      await this.write(runId, log);
    });
  }

  async createRunLog(header: RunLogHeader): Promise<void> {
    await this.mutex.run(header.run_id, async () => {
      if (await this.exists(header.run_id)) throw new RunnableError("E_RUN_EXISTS", `A run with id "${header.run_id}" already exists in ${this.connection.location}`, { runId: header.run_id });
      await this.write(header.run_id, { ...header, steps: {} });
    });
  }

  async exists(runId: string): Promise<boolean> {
    return (await this.connection.getBytes(this.key(runId))) !== undefined;
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

  async listRuns(): Promise<RunSummary[]> {
    const prefix = this.connection.prefix;
    const { keys } = await this.connection.list(prefix, { delimiter: "/" });
    const ids = keys.filter((k) => k.endsWith(".json")).map((k) => k.slice(prefix.length, -".json".length)).sort();
    const logs = await mapLimit(ids, 16, (id) => this.read(id).catch(() => undefined));
    return logs.flatMap((log) => (log ? [{ run_id: log.run_id, status: log.status, tag: log.tag, dag_hash: log.dag_hash }] : []));
  }
}
