import type { BranchLog, RunLog, StepLog } from "@runnable-ts/sdk";
import { TIMELINE_SCRIPT, TIMELINE_STYLE } from "./timeline-page";

/**
 * One row of a timeline: a step or a branch, with its attempts and children. Times are
 * milliseconds from the run's first start (`undefined` for what never started).
 */
export interface TimelineRow {
  /** "step" or "branch". */
  kind: "step" | "branch";
  /** Internal (dot-path) name. */
  name: string;
  /** Step type (branches: ""). */
  type: string;
  status: string;
  message: string;
  start?: number;
  end?: number;
  attempts: { n: number; start: number; end: number; status: string; message: string }[];
  children: TimelineRow[];
}

/** A run as a timeline: its header and the rows of its root steps. */
export interface TimelineModel {
  runId: string;
  status: string;
  tag: string;
  /** ISO time the run's first attempt started ("" when nothing ran). */
  startedAt: string;
  /** Milliseconds from the first start to the last end. */
  duration: number;
  rows: TimelineRow[];
  /** Steps and branches in all. */
  count: number;
}

/**
 * Builds the timeline of a run log: every step, branch and attempt at any depth, children in
 * start order; composites and branches span their children.
 */
export function timelineModel(log: RunLog): TimelineModel {
  let origin = Infinity;
  let last = -Infinity;
  const scan = (steps: Record<string, StepLog>): void => {
    for (const step of Object.values(steps)) {
      for (const a of step.attempts) {
        const s = Date.parse(a.start_time);
        const e = Date.parse(a.end_time);
        if (s < origin) origin = s;
        if (e > last) last = e;
      }
      for (const b of Object.values(step.branches)) scan(b.steps);
    }
  };
  scan(log.steps);
  if (!Number.isFinite(origin)) origin = last = 0;
  let count = 0;
  const ordered = (rows: TimelineRow[]): TimelineRow[] => rows.sort((x, y) => (x.start ?? Infinity) - (y.start ?? Infinity));
  const span = (row: TimelineRow, starts: (number | undefined)[], ends: (number | undefined)[]): void => {
    for (const s of starts) if (s !== undefined && (row.start === undefined || s < row.start)) row.start = s;
    for (const e of ends) if (e !== undefined && (row.end === undefined || e > row.end)) row.end = e;
  };
  const stepRow = (step: StepLog): TimelineRow => {
    count++;
    const attempts = step.attempts.map((a) => {
      const start = Date.parse(a.start_time) - origin;
      return { n: a.attempt_number, start, end: Math.max(start, Date.parse(a.end_time) - origin), status: a.status, message: a.message };
    });
    const children = ordered(Object.values(step.branches).map(branchRow));
    const row: TimelineRow = { kind: "step", name: step.internal_name, type: step.step_type, status: step.status, message: step.message, attempts, children };
    span(row, [...attempts.map((a) => a.start), ...children.map((c) => c.start)], [...attempts.map((a) => a.end), ...children.map((c) => c.end)]);
    return row;
  };
  const branchRow = (branch: BranchLog): TimelineRow => {
    count++;
    const children = ordered(Object.values(branch.steps).map(stepRow));
    const row: TimelineRow = { kind: "branch", name: branch.internal_name, type: "", status: branch.status, message: "", attempts: [], children };
    span(row, children.map((c) => c.start), children.map((c) => c.end));
    return row;
  };
  const rows = ordered(Object.values(log.steps).map(stepRow));
  return {
    runId: log.run_id,
    status: log.status,
    tag: log.tag,
    startedAt: origin > 0 ? new Date(origin).toISOString() : "",
    duration: Math.max(0, last - origin),
    rows,
    count,
  };
}

/**
 * Packs rows into nested arrays for the page: `[kind, name, type, status, message, start,
 * end, attempts, children]` with attempts `[n, start, end, status, message]` — about half the
 * size of the objects at 10,000 steps.
 */
function pack(row: TimelineRow): unknown[] {
  return [
    row.kind === "step" ? 0 : 1,
    row.name,
    row.type,
    row.status,
    row.message,
    row.start ?? -1,
    row.end ?? -1,
    row.attempts.map((a) => [a.n, a.start, a.end, a.status, a.message]),
    row.children.map(pack),
  ];
}

/** JSON safe to place inside a `<script>` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

const escapeHtml = (text: string): string => text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/**
 * One self-contained HTML page (inline CSS, JS and SVG; no network) with the run's Gantt chart:
 * every step, branch and attempt, coloured by status, details on hover, composites folding.
 * Rows are rendered lazily (only those in view), so a 10,000-step run stays responsive.
 */
export function renderTimelineHtml(log: RunLog): string {
  const model = timelineModel(log);
  const data = { runId: model.runId, status: model.status, tag: model.tag, startedAt: model.startedAt, duration: model.duration, count: model.count, rows: model.rows.map(pack) };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`timeline ${model.runId}`)}</title>
<style>${TIMELINE_STYLE}</style></head>
<body>
<header><h1>run <span id="run-id">${escapeHtml(model.runId)}</span> <span class="badge s-${escapeHtml(model.status)}">${escapeHtml(model.status)}</span></h1>
<div id="summary"></div>
<div class="tools"><button id="expand-all" type="button">expand all</button> <button id="collapse-all" type="button">collapse all</button></div></header>
<div id="axis"><svg id="axis-svg" height="22" width="100%"></svg></div>
<div id="viewport"><div id="spacer"><div id="rows"></div></div></div>
<div id="tip" hidden></div>
<script id="timeline-data" type="application/json">${scriptJson(data)}</script>
<script>${TIMELINE_SCRIPT}</script>
</body></html>
`;
}
