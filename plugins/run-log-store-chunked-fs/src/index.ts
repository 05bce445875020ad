import { closeSync, mkdirSync, openSync, readSync, readdirSync, statSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { definePlugin, JournalRunLogStore, logFolderConfigSchema, RunnableError, type JournalBackend, type JournalChunk } from "@runnable-ts/sdk";

/** How far a reader got in one journal file. */
interface FileCursor {
  offset: number;
  /** An unterminated last line (a write in progress, or cut short by a crash). */
  pending: string;
  /** Line number of the next line. */
  line: number;
}

interface RunFiles {
  cursors: Map<string, FileCursor>;
  /** This writer's journal in the run (created on first write), and its open descriptor. */
  own?: string;
  ownFd?: number;
  /** Modification time of the run folder when it was last listed (a new journal changes it). */
  listedAt?: number;
}

function unreadable(path: string, error: unknown): RunnableError {
  return new RunnableError(
    "E_RUN_LOG_CORRUPT",
    `The run-log journal ${path} cannot be read: ${(error as Error).message}. Check its permissions, or restore it.`,
    { file: path },
    { cause: error },
  );
}

/**
 * Journals in a folder: one folder per run, `<log_folder>/<run_id>/`, holding one append-only
 * JSON-lines journal per writer, `journal-<pid>-<random>.jsonl`. An append is one `write` to
 * this writer's own file. Reading replays only the bytes appended since the last read; a crash
 * can only cut the last line of a journal short, which readers leave pending (nobody appends
 * after it: a restarted writer starts a journal of its own).
 */
export class FsJournalBackend implements JournalBackend {
  private readonly runs = new Map<string, RunFiles>();

  constructor(readonly location: string) {}

  private dir(runId: string): string {
    return join(this.location, runId);
  }

  private files(runId: string): RunFiles {
    let files = this.runs.get(runId);
    if (!files) this.runs.set(runId, (files = { cursors: new Map() }));
    return files;
  }

  async create(runId: string, text: string): Promise<void> {
    mkdirSync(this.location, { recursive: true });
    try {
      mkdirSync(this.dir(runId));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") throw new RunnableError("E_RUN_EXISTS", `A run with id "${runId}" already exists in ${this.location}`, { runId });
      throw error;
    }
    this.append(runId, text);
  }

  append(runId: string, text: string): void {
    const files = this.files(runId);
    if (files.ownFd === undefined) {
      files.own ??= `journal-${process.pid}-${randomBytes(4).toString("hex")}.jsonl`;
      files.ownFd = openSync(join(this.dir(runId), files.own), "a");
    }
    writeSync(files.ownFd, text);
  }

  async read(runId: string): Promise<JournalChunk[]> {
    const files = this.files(runId);
    const dir = this.dir(runId);
    const mtime = statSync(dir, { throwIfNoEntry: false })?.mtimeMs;
    if (mtime === undefined) return [];
    // List again when a journal was added since (the folder's mtime moved) — or when the mtime is
    // so recent that another file could have been added within the same clock tick.
    if (mtime !== files.listedAt || Date.now() - mtime < 50) {
      files.listedAt = mtime;
      for (const name of readdirSync(dir))
        if (name.endsWith(".jsonl") && name !== files.own && !files.cursors.has(name)) files.cursors.set(name, { offset: 0, pending: "", line: 1 });
    }
    const chunks: JournalChunk[] = [];
    for (const [name, cursor] of files.cursors) {
      const chunk = this.readFrom(join(dir, name), cursor);
      if (chunk) chunks.push(chunk);
    }
    return chunks;
  }

  /** The complete lines appended to a journal since the cursor, moving the cursor past them. */
  private readFrom(path: string, cursor: FileCursor): JournalChunk | undefined {
    let size: number;
    let fd: number;
    try {
      size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
      if (size <= cursor.offset) return undefined;
      fd = openSync(path, "r");
    } catch (error) {
      throw unreadable(path, error);
    }
    let text: string;
    try {
      const buffer = Buffer.allocUnsafe(size - cursor.offset);
      let read = 0;
      while (read < buffer.length) {
        const n = readSync(fd, buffer, read, buffer.length - read, cursor.offset + read);
        if (n === 0) break;
        read += n;
      }
      cursor.offset += read;
      text = cursor.pending + buffer.subarray(0, read).toString("utf8");
    } catch (error) {
      throw unreadable(path, error);
    } finally {
      closeSync(fd);
    }
    const end = text.lastIndexOf("\n") + 1;
    cursor.pending = text.slice(end);
    const complete = text.slice(0, end);
    const firstLine = cursor.line;
    for (let i = complete.indexOf("\n"); i !== -1; i = complete.indexOf("\n", i + 1)) cursor.line++;
    return { source: path, text: complete, firstLine };
  }

  async listRuns(): Promise<string[]> {
    let names: string[];
    try {
      names = readdirSync(this.location).sort();
    } catch {
      return [];
    }
    return names.filter((name) => statSync(join(this.location, name), { throwIfNoEntry: false })?.isDirectory());
  }

  /** Closes this writer's journals (a later append reopens them). */
  close(): void {
    for (const files of this.runs.values())
      if (files.ownFd !== undefined) {
        closeSync(files.ownFd);
        files.ownFd = undefined;
      }
  }
}

/**
 * The `chunked-fs` store: the SDK's journal model ({@link JournalRunLogStore}) over
 * {@link FsJournalBackend}. A write is one append to this writer's journal (its cost does not grow
 * with the run); writers — concurrent branches in one process, or several processes — never
 * write the same file.
 */
export class ChunkedFsRunLogStore extends JournalRunLogStore {
  constructor(folder: string) {
    super(new FsJournalBackend(folder), "chunked-fs");
  }
}

/** The `chunked-fs` run-log store plugin (the default). `log_folder` is relative to the working directory. */
export const chunkedFsRunLogStore = definePlugin({
  kind: "run-log-store",
  name: "chunked-fs",
  configSchema: logFolderConfigSchema,
  create: (config, deps) => new ChunkedFsRunLogStore(resolve(deps.env.cwd, config.log_folder)),
});
