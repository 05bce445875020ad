import type { Figure, Row } from "./measure";

/** The content of a bench-results/*.json file. */
export interface BenchResults {
  date?: string;
  /** The git commit measured (absent in files written before it was recorded). */
  commit?: string;
  machine?: { cores: number; cpu?: string; node: string };
  smoke?: boolean;
  rows: Row[];
  extra: Figure[];
}

/** The figures of a row that a comparison reports, by label. */
function figuresOf(row: Row): [string, number | undefined][] {
  return [
    ["median wall ms", row.medianMs],
    ["per step/item µs", row.perUnitUs],
    ["log B/step", row.logBytesPerUnit],
    ["events/s", row.eventsPerSecond],
    ["peak RSS MiB", row.rssMiB],
  ];
}

const percent = (before: number, after: number): string => {
  const change = ((after - before) / before) * 100;
  return `${change >= 0 ? "+" : ""}${change.toFixed(1)}%`;
};

/**
 * One line per figure present in both results (same workload, system and size, or same
 * runnable-ts-only workload and metric): `before -> after (change)`. Figures only in one of
 * them are listed as new or gone.
 */
export function compareResults(before: BenchResults, after: BenchResults): string[] {
  const lines: string[] = [];
  const key = (r: Row): string => `${r.workload} | ${r.system} | N=${r.size}`;
  const earlier = new Map((before.rows ?? []).map((r) => [key(r), r]));
  for (const row of after.rows) {
    const old = earlier.get(key(row));
    if (!old) {
      lines.push(`${key(row)}: new`);
      continue;
    }
    earlier.delete(key(row));
    const olds = new Map(figuresOf(old));
    for (const [label, value] of figuresOf(row)) {
      const was = olds.get(label);
      if (value === undefined || was === undefined || was === 0) continue;
      lines.push(`${key(row)} ${label}: ${was.toFixed(1)} -> ${value.toFixed(1)} (${percent(was, value)})`);
    }
  }
  for (const gone of earlier.keys()) lines.push(`${gone}: not measured now`);
  const figureKey = (f: Figure): string => `${f.workload} | ${f.metric}`;
  const extras = new Map((before.extra ?? []).map((f) => [figureKey(f), f]));
  for (const f of after.extra) {
    const old = extras.get(figureKey(f));
    if (old && old.value !== 0) lines.push(`${figureKey(f)} ${f.unit}: ${old.value.toFixed(2)} -> ${f.value.toFixed(2)} (${percent(old.value, f.value)})`);
  }
  return lines;
}
