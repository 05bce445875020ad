import { randomBytes } from "node:crypto";
import { JournalRunLogStore, mapLimit, RunnableError, type JournalBackend, type JournalChunk } from "@runnable-ts/sdk";
import { S3Connection, type S3Config } from "./connection";

/** Objects fetched at once when a reader catches up. */
const READ_PARALLELISM = 16;

/**
 * Journals as immutable objects: under `<prefix><run_id>/`, `run.jsonl` holds the run's first
 * records (written once, with `If-None-Match: *` where the server honours it) and every batch a
 * writer appends is a new object `<writer>-<batch>.jsonl`, the writer id being random per store
 * instance. No object is ever rewritten, so a write costs the same at step 10 and step 10,000
 * and writers never overwrite each other; a crashed writer leaves every batch it completed.
 * Readers list the run's objects and fetch only those they have not read (in parallel, bounded).
 */
export class S3JournalBackend implements JournalBackend {
  private readonly writer = `${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
  private readonly batches = new Map<string, number>();
  /** Keys read or written, per run. */
  private readonly seen = new Map<string, Set<string>>();

  constructor(readonly connection: S3Connection) {}

  get location(): string {
    return this.connection.location;
  }

  private runPrefix(runId: string): string {
    return `${this.connection.prefix}${runId}/`;
  }

  private seenOf(runId: string): Set<string> {
    let seen = this.seen.get(runId);
    if (!seen) this.seen.set(runId, (seen = new Set()));
    return seen;
  }

  async create(runId: string, text: string): Promise<void> {
    const { keys } = await this.connection.list(this.runPrefix(runId), { max: 1 });
    if (keys.length > 0) throw new RunnableError("E_RUN_EXISTS", `A run with id "${runId}" already exists in ${this.location}`, { runId });
    const key = `${this.runPrefix(runId)}run.jsonl`;
    this.seenOf(runId).add(key);
    try {
      await this.connection.put(key, text, { IfNoneMatch: "*", ContentType: "application/x-ndjson" });
    } catch (error) {
      const cause = (error as RunnableError).cause as { $metadata?: { httpStatusCode?: number } } | undefined;
      if (cause?.$metadata?.httpStatusCode === 412) throw new RunnableError("E_RUN_EXISTS", `A run with id "${runId}" already exists in ${this.location}`, { runId });
      throw error;
    }
  }

  async append(runId: string, text: string): Promise<void> {
    const batch = (this.batches.get(runId) ?? 0) + 1;
    this.batches.set(runId, batch);
    const key = `${this.runPrefix(runId)}${this.writer}-${String(batch).padStart(8, "0")}.jsonl`;
    this.seenOf(runId).add(key);
    await this.connection.put(key, text, { ContentType: "application/x-ndjson" });
  }

  async read(runId: string): Promise<JournalChunk[]> {
    const seen = this.seenOf(runId);
    const { keys } = await this.connection.list(this.runPrefix(runId));
    const fresh = keys.filter((k) => k.endsWith(".jsonl") && !seen.has(k));
    const texts = await mapLimit(fresh, READ_PARALLELISM, async (key) => {
      const bytes = await this.connection.getBytes(key);
      return bytes === undefined ? undefined : Buffer.from(bytes).toString("utf8");
    });
    const chunks: JournalChunk[] = [];
    fresh.forEach((key, i) => {
      const text = texts[i];
      if (text === undefined) return;
      seen.add(key);
      chunks.push({ source: `s3://${this.connection.bucket}/${key}`, text });
    });
    return chunks;
  }

  async listRuns(): Promise<string[]> {
    const { prefixes } = await this.connection.list(this.connection.prefix, { delimiter: "/" });
    return prefixes.map((p) => p.slice(this.connection.prefix.length, -1)).sort();
  }

  close(): void {
    // The client keeps no sockets open between requests that need closing per run.
  }
}

/** The `chunked-minio` store: the SDK's journal model over {@link S3JournalBackend}. */
export class ChunkedMinioRunLogStore extends JournalRunLogStore {
  constructor(config: S3Config) {
    super(new S3JournalBackend(new S3Connection(config, 'run-log store "chunked-minio"')), "chunked-minio");
  }
}
