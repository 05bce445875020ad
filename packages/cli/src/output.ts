/** Where a command writes; injectable so tests can capture output without a child process. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** True when `out` is an interactive terminal (the live view of a run); absent: not one. */
  readonly tty?: boolean;
  /** The terminal's size, when `tty`. */
  readonly rows?: number | undefined;
  readonly columns?: number | undefined;
}

/** Output to the process's stdout and stderr. */
export const processOutput: Output = {
  out: (text) => void process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  err: (text) => void process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
  get tty() {
    return process.stdout.isTTY === true && process.env.TERM !== "dumb";
  },
  get rows() {
    return process.stdout.rows;
  },
  get columns() {
    return process.stdout.columns;
  },
};

/** Formats rows as left-aligned columns under a header. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
