import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EMPTY_LIST, type CatalogService } from "@runnable-ts/sdk";
import { Masker } from "../redact";

/** Bytes (UTF-16 units, near enough) held in memory before the log spills to a temporary file. */
const IN_MEMORY = 256 * 1024;

/**
 * A task's execution log as it is written: lines of output, masked as they arrive, held in
 * memory up to a bound and spilled to a temporary file beyond it, then stored in the catalog —
 * streamed when the catalog can take a stream — so a task printing 100 MB costs a bounded amount
 * of memory, not three copies of its output.
 */
export class ExecutionLog {
  /** Whose names make the header, when it is written (see `setParametersHeader`). */
  private parameters: Record<string, unknown> | undefined;
  /** Lines not yet spilled (the shared empty list until something is written: most attempts write nothing). */
  private parts: string[] = EMPTY_LIST;
  private held = 0;
  private spool: { dir: string; path: string; fd: number } | undefined;
  private masker: Masker | undefined;
  /** True once the task (or the attempt's failure) wrote something after the header. */
  wrote = false;

  /**
   * The first line names the parameters available to the task (the keys of `parameters` when
   * the line is written): made only if anything follows it, as most tasks write nothing.
   */
  setParametersHeader(parameters: Record<string, unknown>): void {
    this.parameters = parameters;
  }

  /** Masks `secrets` in everything written from now on (the header included). */
  mask(secrets: readonly string[]): void {
    this.masker = new Masker(secrets);
  }

  /** Appends one line (or several, newline-separated). */
  write(text: string): void {
    if (!this.wrote) {
      this.wrote = true;
      if (this.parameters) this.append(`Parameters available for the execution: ${Object.keys(this.parameters).join(", ")}\n`);
    } else this.append("\n");
    this.append(text);
  }

  private append(text: string): void {
    const safe = this.masker ? this.masker.push(text) : text;
    if (safe.length === 0) return;
    this.keep(safe);
    this.held += safe.length;
    if (this.held >= IN_MEMORY) this.spill();
  }

  private keep(text: string): void {
    if (this.parts === EMPTY_LIST) this.parts = [];
    this.parts.push(text);
  }

  private spill(): void {
    if (!this.spool) {
      const dir = mkdtempSync(join(tmpdir(), "runnable-log-"));
      const path = join(dir, "execution.log");
      this.spool = { dir, path, fd: openSync(path, "w", 0o600) };
    }
    writeSync(this.spool.fd, this.parts.join(""));
    this.parts = EMPTY_LIST;
    this.held = 0;
  }

  /** The text written so far (for tests and small logs; reads a spilled log back). */
  text(): string {
    const rest = this.parts.join("") + (this.masker?.pending() ?? "");
    if (!this.spool) return rest;
    return readFileSync(this.spool.path, "utf8") + rest;
  }

  /**
   * Stores the log in the catalog as `name` (through `putStream` when the catalog has it, else
   * one `putBytes`) and releases the temporary file. Nothing is stored when nothing was written.
   */
  async store(catalog: CatalogService, runId: string, name: string): Promise<void> {
    if (this.masker) {
      const rest = this.masker.end();
      if (rest) this.keep(rest);
    }
    try {
      if (!this.wrote) return;
      if (!this.spool) {
        await catalog.putBytes(runId, name, Buffer.from(this.parts.join("")));
        return;
      }
      this.spill();
      closeSync(this.spool.fd);
      this.spool.fd = -1;
      if (catalog.putStream) await catalog.putStream(runId, name, createReadStream(this.spool.path));
      else await catalog.putBytes(runId, name, readFileSync(this.spool.path));
    } finally {
      this.discard();
    }
  }

  /** Drops what was written and the temporary file, if any. */
  discard(): void {
    this.parts = EMPTY_LIST;
    this.held = 0;
    if (this.spool) {
      if (this.spool.fd >= 0) closeSync(this.spool.fd);
      rmSync(this.spool.dir, { recursive: true, force: true });
      this.spool = undefined;
    }
  }
}
