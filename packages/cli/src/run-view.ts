import type { RunProgress } from "@runnable-ts/runtime";
import type { EventDetail, RunEvent, RunLog, StepLog } from "@runnable-ts/sdk";
import type { Output } from "./output";

/** How a command that runs something prints it. */
export interface ViewFlags {
  json: boolean;
  quiet: boolean;
  events?: boolean | undefined;
}

/** A view of a run: receives its events, then prints the outcome. */
export interface RunView {
  /**
   * What the view needs of the run's events beyond the lifecycle ones (see {@link EventDetail});
   * undefined: no events at all (the run builds none).
   */
  readonly needs: EventDetail | undefined;
  onEvent(event: RunEvent): void;
  /** Given the run's progress as it starts, for a view that samples it (see `RunOptions.onProgress`). */
  watch?(progress: RunProgress): void;
  /** Prints the outcome (stops the live view first). */
  finish(result: { runId: string; status: string; runLog: RunLog }, noun?: string): void;
}

/** What a failed run's log says about why, when no step line said it (an interruption, an executor crash). */
function failureHint(log: RunLog): string {
  return log.status !== "SUCCESS" && log.run_config.error ? `  — ${log.run_config.error}` : "";
}

const MARK: Record<string, string> = { SUCCESS: "ok  ", FAIL: "FAIL", SUSPENDED: "WAIT" };
const ESC = "\x1b[";
const COLOUR: Record<string, string> = { SUCCESS: "32", FAIL: "31", PROCESSING: "36", SUSPENDED: "33" };
const SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
/** Redraws at most this often: a frame per event would cost more than the steps at 1,000 steps. */
const FRAME_MS = 80;
/** When the first frame is drawn after the run starts. */
const FIRST_FRAME_MS = 20;

const EVERYTHING: EventDetail = { previews: true, output: true };
const LIFECYCLE: EventDetail = { previews: false, output: false, tasks: false };

/**
 * Picks the view for the flags and the terminal: `--events` (one JSON event per line, nothing
 * else), `--json` (the final run log only), `--quiet` (the final line only), a live tree when
 * stdout is a TTY, else one plain line per finished step.
 */
export function createRunView(flags: ViewFlags, output: Output): RunView {
  if (flags.events) return { needs: EVERYTHING, onEvent: (event) => output.out(JSON.stringify(event)), finish: () => undefined };
  if (flags.json) return { needs: undefined, onEvent: () => undefined, finish: (r) => output.out(JSON.stringify(r.runLog, null, 2)) };
  const finalLine = (r: { runId: string; status: string; runLog: RunLog }, noun = "run"): void => output.out(`${noun} ${r.runId}: ${r.status}${failureHint(r.runLog)}`);
  if (flags.quiet) return { needs: undefined, onEvent: () => undefined, finish: finalLine };
  if (output.tty) return new LiveView(output);
  return {
    needs: LIFECYCLE,
    onEvent: (event) => {
      if (event.type === "step_completed") output.out(`${MARK[String(event.status)] ?? String(event.status)}  ${event.step}${event.message ? `  — ${String(event.message)}` : ""}`);
      if (event.type === "step_skipped") output.out(`skip  ${event.step}  (${String(event.reason)})`);
    },
    finish: finalLine,
  };
}

const elapsed = (ms: number): string => (ms < 1000 ? `${ms.toFixed(0)}ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`);

/** Nesting depth of an internal name: two segments (branch key, step) per level. */
function depthOf(name: string): number {
  let dots = 0;
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) === 46) dots++;
  return dots >> 1;
}

/** How long a finished step took, from its attempts (undefined for a step without attempts: a composite). */
function durationOf(log: StepLog): number | undefined {
  const first = log.attempts[0];
  const last = log.attempts.at(-1);
  if (!first || !last) return undefined;
  return Math.max(0, Date.parse(last.end_time) - Date.parse(first.start_time));
}

/**
 * The live terminal view: a tree of recently finished and running steps (status, elapsed time,
 * attempt, the message of a failure or the last line the task printed), redrawn in place (cursor
 * up, clear line) {@link FIRST_FRAME_MS} after the run starts and then at most every
 * {@link FRAME_MS}, a last frame at its end, then a summary. Only as many lines as the
 * terminal has rows are drawn. It samples the run's progress ({@link RunProgress}: running
 * steps, finished ones by status, the last to finish) on its timer, so a step costs the run no
 * event: only the lines tasks print and a retry's skipped steps come as events.
 */
export class LiveView implements RunView {
  /** task_output for the last line a task printed, step_skipped; no step or task lifecycle events (attempts are read from step logs), no previews. */
  readonly needs: EventDetail = { previews: false, output: true, tasks: false, steps: false };
  private progress: RunProgress | undefined;
  /** The last line each task printed, by step (dropped once the step is out of view). */
  private readonly lines = new Map<string, string>();
  /** A retry's skipped steps: name and reason, in order (the last frame's worth). */
  private skipped: { name: string; reason: string }[] = [];
  private skippedCount = 0;
  /** When each step was first seen running by a frame (its elapsed time while it runs). */
  private readonly seen = new Map<string, number>();
  private readonly started = Date.now();
  private drawnLines = 0;
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;

  constructor(private readonly output: Output) {}

  private get limit(): number {
    return Math.max(3, (this.output.rows || 24) - 2);
  }

  watch(progress: RunProgress): void {
    this.progress = progress;
    this.start();
  }

  private start(): void {
    if (this.timer) return;
    const draw = (): void => this.output.out(this.frameText());
    // The first frame soon (the run is visibly under way), then one per FRAME_MS; a run shorter
    // than that draws once, at its end.
    this.timer = setTimeout(() => {
      draw();
      this.timer = setInterval(draw, FRAME_MS);
      this.timer.unref();
    }, FIRST_FRAME_MS);
    this.timer.unref();
  }

  onEvent(event: RunEvent): void {
    if (event.type === "task_output") this.lines.set(event.step, String(event.line ?? ""));
    else if (event.type === "step_skipped") {
      this.skippedCount++;
      this.skipped.push({ name: event.step, reason: String(event.reason ?? "") });
      if (this.skipped.length > 2 * this.limit) this.skipped = this.skipped.slice(-this.limit);
      this.start();
    }
  }

  /** The lines of one frame: what is hidden, then the latest finished steps, then the running ones. */
  private frameLines(limit: number): string[] {
    const now = Date.now();
    const progress = this.progress;
    const runningLogs = progress ? [...progress.running.values()].slice(0, limit) : [];
    const room = Math.max(0, limit - runningLogs.length);
    const recent = progress ? progress.recent.slice(-room) : [];
    const skipped = this.skipped.slice(-Math.max(0, room - recent.length));
    let total = this.skippedCount + (progress?.running.size ?? 0);
    for (const n of progress?.finished.values() ?? []) total += n;
    const hidden = total - skipped.length - recent.length - runningLogs.length;
    const out = hidden > 0 ? [`  … ${hidden} more step${hidden === 1 ? "" : "s"} finished`] : [];
    const columns = this.output.columns || 100;
    const line = (name: string, status: string, mark: string, time: number | undefined, attempt: number, tail: string): void => {
      const plain = `${"  ".repeat(depthOf(name))}${mark} ${name.slice(name.lastIndexOf(".") + 1)}  ${status}${time === undefined ? "" : `  ${elapsed(time)}`}${attempt > 1 ? `  attempt ${attempt}` : ""}${tail}`;
      out.push(`${ESC}${COLOUR[status] ?? "2"}m${plain.slice(0, columns - 1)}${ESC}0m`);
    };
    const tailOf = (name: string, message: string): string => {
      const printed = this.lines.get(name);
      return message ? `  — ${message.split("\n")[0]}` : printed ? `  › ${printed}` : "";
    };
    for (const s of skipped) line(s.name, "SKIPPED", "–", undefined, 0, s.reason ? `  — ${s.reason}` : "");
    for (const log of recent) {
      const mark = log.status === "SUCCESS" ? "✓" : log.status === "SUSPENDED" ? "‖" : "✗";
      const since = this.seen.get(log.internal_name);
      line(log.internal_name, log.status, mark, durationOf(log) ?? (since === undefined ? undefined : now - since), log.attempts.length, tailOf(log.internal_name, log.message));
    }
    const spinner = SPINNER[this.frame % SPINNER.length]!;
    for (const log of runningLogs) {
      let since = this.seen.get(log.internal_name);
      if (since === undefined) this.seen.set(log.internal_name, (since = now));
      // While it runs: the attempt after the ones recorded, and why the last one failed.
      const failed = log.attempts.at(-1);
      line(log.internal_name, "PROCESSING", spinner, now - since, log.attempts.length + 1, tailOf(log.internal_name, failed?.status === "FAIL" ? failed.message : ""));
    }
    // What is out of view needs no start time or printed line any more.
    if (this.seen.size > 4 * limit || this.lines.size > 4 * limit) {
      const shown = new Set([...recent, ...runningLogs].map((l) => l.internal_name));
      for (const name of this.seen.keys()) if (!shown.has(name)) this.seen.delete(name);
      for (const name of this.lines.keys()) if (!shown.has(name)) this.lines.delete(name);
    }
    return out;
  }

  /**
   * One frame: back to the first line of the previous frame (the cursor is hidden while the view
   * lives), each line cleared as it is rewritten, what a shorter frame leaves below cleared.
   */
  private frameText(): string {
    this.frame++;
    const lines = this.frameLines(this.limit);
    const head = this.drawnLines > 0 ? `${ESC}${this.drawnLines}F` : `${ESC}?25l`;
    this.drawnLines = lines.length;
    return `${head}${lines.map((line) => `${ESC}2K${line}`).join("\n")}${ESC}0J\n`;
  }

  finish(result: { runId: string; status: string; runLog: RunLog }, noun = "run"): void {
    // The last frame and the summary in one write; a run that succeeded before its first frame
    // (a few milliseconds) shows the summary only.
    let last = "";
    if (this.timer) {
      clearInterval(this.timer);
      if (this.drawnLines > 0 || result.status !== "SUCCESS") last = this.frameText();
    }
    // Counted as the run went (no walk of a 10,000-step log), else from the run log.
    let counts: Map<string, number>;
    if (this.progress) {
      counts = new Map(this.progress.finished);
      if (this.skippedCount > 0) counts.set("SKIPPED", this.skippedCount);
    } else counts = countByStatus(result.runLog.steps, new Map());
    const byStatus = [...counts].map(([status, n]) => `${n} ${status}`).join(", ");
    const colour = COLOUR[result.status] ?? "0";
    this.output.out(
      last +
        [
          `${ESC}?25h${ESC}1m${noun} ${result.runId}: ${ESC}${colour}m${result.status}${ESC}0m  (${byStatus || "no steps"}; ${elapsed(Date.now() - this.started)})`,
          `  runnable show ${result.runId}       the run log as a tree`,
          `  runnable timeline ${result.runId}   a Gantt chart in one HTML file`,
        ].join("\n"),
    );
  }
}

/** Steps of a run log at any depth, by status. */
function countByStatus(steps: Record<string, StepLog>, counts: Map<string, number>): Map<string, number> {
  for (const name in steps) {
    const s = steps[name]!;
    counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
    for (const key in s.branches) countByStatus(s.branches[key]!.steps, counts);
  }
  return counts;
}
