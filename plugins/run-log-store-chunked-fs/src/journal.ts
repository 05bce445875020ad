import { appendFileSync, closeSync, fstatSync, openSync, readSync, statSync, truncateSync } from "node:fs";

/** One line of a journal: a typed record. */
export type JournalRecord = { t: string; [field: string]: unknown };

/**
 * An append-only file of JSON lines, read incrementally: a reader remembers how far it has
 * read and, on each access, reads only what was appended since (by this process or another).
 * A final line without its newline (a write cut short by a crash) is left for later and never
 * parsed; any other line that does not parse is corruption and is reported.
 */
export class Journal<S> {
  private offset = 0;
  private pending = "";

  constructor(
    readonly path: string,
    readonly state: S,
    private readonly apply: (state: S, record: JournalRecord) => void,
  ) {}

  /**
   * Appends one record (a single write of one line, so concurrent appenders do not interleave).
   * A line left cut short by a crash is cut off first, so the new record starts a clean line.
   * Call after {@link refresh}.
   */
  append(record: JournalRecord): void {
    if (this.pending !== "") {
      this.offset -= Buffer.byteLength(this.pending);
      truncateSync(this.path, this.offset);
      this.pending = "";
    }
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
  }

  /** Reads what was appended since the last refresh; false when the file does not exist. */
  refresh(): boolean {
    const known = statSync(this.path, { throwIfNoEntry: false });
    if (!known) return false;
    if (known.size <= this.offset) return true;
    let fd: number;
    try {
      fd = openSync(this.path, "r");
    } catch {
      return false;
    }
    try {
      const size = fstatSync(fd).size;
      if (size <= this.offset) return true;
      const buffer = Buffer.allocUnsafe(size - this.offset);
      let read = 0;
      while (read < buffer.length) {
        const n = readSync(fd, buffer, read, buffer.length - read, this.offset + read);
        if (n === 0) break;
        read += n;
      }
      this.offset += read;
      const text = this.pending + buffer.subarray(0, read).toString("utf8");
      const lines = text.split("\n");
      this.pending = lines.pop() ?? "";
      for (const line of lines) {
        if (line === "") continue;
        let record: JournalRecord;
        try {
          record = JSON.parse(line) as JournalRecord;
        } catch {
          throw new Error(`run-log journal ${this.path} is corrupt: a line does not parse`);
        }
        this.apply(this.state, record);
      }
      return true;
    } finally {
      closeSync(fd);
    }
  }
}
