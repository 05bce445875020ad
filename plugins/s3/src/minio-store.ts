import { DocumentRunLogStore, mapLimit, parseRunLogDocument, RunnableError, type RunLog, type RunSummary } from "@runnable-ts/sdk";
import { S3Connection, type S3Config } from "./connection";

/**
 * One JSON document per run, `<prefix><run_id>.json`, in the reference's nested shape. Every
 * change rewrites the whole object, so cost grows with the run: use `chunked-minio` for long or
 * distributed runs. Writes are serialised within a process; several processes writing one run at
 * once are not supported (`supportsConcurrentWriters: false`).
 */
export class MinioRunLogStore extends DocumentRunLogStore {
  readonly connection: S3Connection;

  constructor(config: S3Config) {
    super();
    this.connection = new S3Connection(config, 'run-log store "minio"');
  }

  protected get location(): string {
    return this.connection.location;
  }

  private key(runId: string): string {
    return `${this.connection.prefix}${runId}.json`;
  }

  protected async read(runId: string): Promise<RunLog> {
    const bytes = await this.connection.getBytes(this.key(runId));
    if (bytes === undefined) throw new RunnableError("E_RUN_NOT_FOUND", `No run log for run id "${runId}" in ${this.connection.location}`, { runId });
    return parseRunLogDocument(Buffer.from(bytes).toString("utf8"), `s3://${this.connection.bucket}/${this.key(runId)}`, runId);
  }

  protected write(runId: string, log: RunLog): Promise<void> {
    return this.connection.put(this.key(runId), JSON.stringify(log), { ContentType: "application/json" });
  }

  async exists(runId: string): Promise<boolean> {
    return (await this.connection.getBytes(this.key(runId))) !== undefined;
  }

  async listRuns(): Promise<RunSummary[]> {
    const prefix = this.connection.prefix;
    const { keys } = await this.connection.list(prefix, { delimiter: "/" });
    const ids = keys.filter((k) => k.endsWith(".json")).map((k) => k.slice(prefix.length, -".json".length)).sort();
    const logs = await mapLimit(ids, 16, (id) => this.read(id).catch(() => undefined));
    return logs.flatMap((log) => (log ? [{ run_id: log.run_id, status: log.status, tag: log.tag, dag_hash: log.dag_hash }] : []));
  }
}
