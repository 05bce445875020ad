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

/** A step the live view shows: made at its start, finished in place. */
class LiveStep {
  /** Set when it finished. */
  ended: number | undefined = undefined;
  /** The last attempt that failed (0: none); while the step runs, the one after it is running. */
  failed = 0;
  message = "";
  /** The last line the task printed. */
  line = "";

  constructor(
    readonly name: string,
    /** Order of appearance: frames list steps in it. */
    readonly seq: number,
    public status: string,
    readonly started: number,
  ) {}

  /** Nesting depth of its internal name: two segments (branch key, step) per level. */
  get depth(): number {
    let dots = 0;
    for (let i = 0; i < this.name.length; i++) if (this.name.charCodeAt(i) === 46) dots++;
    return dots >> 1;
  }
}

const elapsed = (ms: number): string => (ms < 1000 ? `${ms.toFixed(0)}ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`);

/**
 * The live terminal view: a tree of running and recently finished steps (status, elapsed time,
 * attempt, the message of a failure or the last line the task printed), redrawn in place (cursor
 * up, clear line): the first frame at the first event, then at most every {@link FRAME_MS}; then a summary. Only as many lines as the
 * terminal has rows are drawn: running steps first. An event costs a map operation (the view
 * keeps the running steps and only as many finished ones as a frame can show); what it shows is
 * drawn on the timer, never per event.
 */
export class LiveView implements RunView {
  /**
   * Lifecycle events, task_error for a failed attempt (its error; a retry is the attempt after
   * it), task_output for the last line; no previews, no task_started/task_completed (half the
   * events of a step, and nothing they would show).
   */
  readonly needs: EventDetail = { previews: false, output: true, tasks: false };
  private readonly running = new Map<string, LiveStep>();
  /** The most recently finished steps, oldest first: at most two frames' worth. */
  private readonly recent: LiveStep[] = [];
  private finished = 0;
  /** Finished steps by status (SKIPPED: a retry's steps that had succeeded), as the events told. */
  private readonly tally = new Map<string, number>();
  private seq = 0;
  private readonly started = Date.now();
  private drawnLines = 0;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;

  constructor(private readonly output: Output) {}

  private get limit(): number {
    return Math.max(3, (this.output.rows || 24) - 2);
  }

  private done(step: LiveStep): void {
    this.finished++;
    this.tally.set(step.status, (this.tally.get(step.status) ?? 0) + 1);
    this.recent.push(step);
    // Trimmed in bulk (a frame shows the last `limit`): no shift per finished step.
    if (this.recent.length > 2 * this.limit) this.recent.splice(0, this.recent.length - this.limit);
  }

  onEvent(event: RunEvent): void {
    const name = event.step;
    switch (event.type) {
      case "step_started": {
        const step = new LiveStep(name, this.seq++, "PROCESSING", Date.now());
        // Started again (a loop's next turn, a retried composite): its failed attempts carry on.
        if (this.running.size > 0) step.failed = this.running.get(name)?.failed ?? 0;
        this.running.set(name, step);
        break;
      }
      case "task_output": {
        const step = this.running.get(name);
        if (step) step.line = String(event.line ?? "");
        break;
      }
      case "task_error": {
        const step = this.running.get(name);
        if (step) {
          step.message = String(event.error ?? "");
          step.failed = typeof event.attempt === "number" ? event.attempt : step.failed + 1;
        }
        break;
      }
      case "step_completed": {
        const step = this.running.get(name);
        if (step) {
          this.running.delete(name);
          step.status = String(event.status);
          step.ended = Date.now();
          step.message = typeof event.message === "string" ? event.message : step.status === "SUCCESS" ? "" : step.message;
          this.done(step);
        }
        break;
      }
      case "step_skipped": {
        const step = new LiveStep(name, this.seq++, "SKIPPED", Date.now());
        step.ended = step.started;
        step.message = String(event.reason ?? "");
        this.done(step);
        break;
      }
      default:
        return;
    }
    this.dirty = true;
    if (!this.timer) {
      // The first frame at once (the run is visibly under way), then one per FRAME_MS.
      this.draw();
      this.timer = setInterval(() => this.draw(), FRAME_MS);
      this.timer.unref();
    }
  }

  private lines(limit: number): string[] {
    const now = Date.now();
    const running = [...this.running.values()].slice(0, limit);
    const room = Math.max(1, limit - running.length);
    const shown = [...running, ...this.recent.slice(-room)].slice(0, limit).sort((a, b) => a.seq - b.seq);
    const hidden = this.running.size + this.finished - shown.length;
    const out = hidden > 0 ? [`  … ${hidden} more step${hidden === 1 ? "" : "s"} finished`] : [];
    const columns = this.output.columns || 100;
    for (const s of shown) {
      const mark = s.ended === undefined ? SPINNER[this.frame % SPINNER.length]! : s.status === "SUCCESS" ? "✓" : s.status === "SKIPPED" ? "–" : s.status === "SUSPENDED" ? "‖" : "✗";
      const colour = COLOUR[s.status] ?? "2";
      // The attempt shown: the failed one for a failed step, else the one after the last failure.
      const n = s.status === "FAIL" ? Math.max(1, s.failed) : s.failed + 1;
      const attempt = n > 1 ? `  attempt ${n}` : "";
      const tail = s.message ? `  — ${s.message.split("\n")[0]}` : s.line ? `  › ${s.line}` : "";
      const plain = `${"  ".repeat(s.depth)}${mark} ${s.name.slice(s.name.lastIndexOf(".") + 1)}  ${s.status}  ${elapsed((s.ended ?? now) - s.started)}${attempt}${tail}`;
      out.push(`${ESC}${colour}m${plain.slice(0, columns - 1)}${ESC}0m`);
    }
    return out;
  }

  /** Draws one frame in place: up to the first line of the previous frame, each line cleared. */
  private draw(): void {
    if (!this.dirty && this.running.size === 0) return;
    this.output.out(this.frameText());
  }

  /**
   * One frame: back to the first line of the previous frame (the cursor is hidden while the view
   * lives), each line cleared as it is rewritten, what a shorter frame leaves below cleared.
   */
  private frameText(): string {
    this.dirty = false;
    this.frame++;
    const lines = this.lines(this.limit);
    const head = this.drawnLines > 0 ? `${ESC}${this.drawnLines}F` : `${ESC}?25l`;
    this.drawnLines = lines.length;
    return `${head}${lines.map((line) => `${ESC}2K${line}`).join("\n")}${ESC}0J\n`;
  }

  finish(result: { runId: string; status: string; runLog: RunLog }, noun = "run"): void {
    // The last frame and the summary in one write.
    let last = "";
    if (this.timer) {
      clearInterval(this.timer);
      last = this.frameText();
    }
    // A run that succeeded: the steps this view saw finish (no walk of a 10,000-step log). One
    // that did not may have steps no event reported (cancelled, recorded by the exit guard):
    // counted from its run log.
    const counts = result.status === "SUCCESS" ? this.tally : countByStatus(result.runLog.steps, new Map());
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
