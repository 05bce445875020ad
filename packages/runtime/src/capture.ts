import { AsyncLocalStorage } from "node:async_hooks";
import { format } from "node:util";

/** Where one task's console output and stray rejections go while the task is in flight. */
export interface TaskSink {
  /** Internal name of the step (for warnings about the task after it finished). */
  readonly step: string;
  /** True when `console.*` calls of the task go to {@link TaskSink.write}; false sends them to the terminal. */
  readonly console: boolean;
  /** Set when the task has settled: later output and rejections are no longer its own. */
  closed: boolean;
  /** One console line of the task. */
  write(line: string): void;
  /** A promise the task created was rejected and nobody handled it, while the task was running. */
  rejected(reason: unknown): void;
  /** Masks secrets of the task in a warning about it. */
  mask(text: string): string;
}

const METHODS = ["log", "info", "warn", "error", "debug", "trace"] as const;

/** The console as it was before capture was installed: the host program's own output. */
export const realConsole: Pick<Console, (typeof METHODS)[number]> = {
  log: console.log.bind(console),
  info: console.info.bind(console),
  warn: console.warn.bind(console),
  error: console.error.bind(console),
  debug: console.debug.bind(console),
  trace: console.trace.bind(console),
};

const storage = new AsyncLocalStorage<TaskSink>();
/** The task whose synchronous code is running right now (see {@link callTaskSync}). */
let syncSink: TaskSink | undefined;
let installed = false;
/** Tasks in flight in this process, all runs together. */
let inFlight = 0;

/**
 * Makes `console.*` calls made by a task's own code — the function and everything it awaits or
 * schedules while it runs — land in that task's sink; every other call (the host program, the
 * runtime, a task that has finished) reaches the real console.
 */
function install(): void {
  if (installed) return;
  installed = true;
  for (const method of METHODS) {
    const original = realConsole[method];
    console[method] = (...args: unknown[]): void => {
      const sink = syncSink ?? storage.getStore();
      if (sink !== undefined && sink.console && !sink.closed) sink.write(format(...args));
      else original(...args);
    };
  }
}

/**
 * Runs a task's code with `sink` as its async context and answers what it returns.
 * Call {@link leaveTask} once it settled.
 *
 * Cost: the context lives in an AsyncLocalStorage, whose promise hooks slow every promise of the
 * process while they are enabled. They are enabled here, only around task code, and disabled
 * again as soon as no task of any run is in flight — so the runtime's own work between tasks, and
 * a process whose runs are idle, pay nothing. A task finished with output still scheduled (a
 * timer it did not await) writes to the real console: it is no longer that task's output.
 */
export function enterTask<T>(sink: TaskSink, fn: () => T): T {
  install();
  inFlight++;
  return storage.run(sink, fn);
}

/**
 * Runs a task's code that is synchronous (a plain function: it has done all its work when the
 * call returns) with `sink` as the current task: what it prints during the call is its
 * execution log, exactly, with no async context — whose promise hooks, switched on and off
 * around every task, cost as much as the rest of a step (W1: ~15 → ~8 µs). Output the code
 * schedules for later (a timer, a promise a plain function returns) is not its own: an
 * `async` function gets {@link enterTask}.
 */
export function callTaskSync<T>(sink: TaskSink, fn: () => T): T {
  install();
  const outer = syncSink;
  syncSink = sink;
  try {
    return fn();
  } finally {
    syncSink = outer;
  }
}

/** Ends the task entered with {@link enterTask}: its sink is closed, hooks off when it was the last. */
export function leaveTask(sink: TaskSink): void {
  sink.closed = true;
  if (--inFlight === 0) storage.disable();
}

/** The task whose code is running now (its async context), if any. */
export function currentTask(): TaskSink | undefined {
  return syncSink ?? storage.getStore();
}

/**
 * Runs `fn` outside any task's context, e.g. a run's event listener called from a task's
 * `emit`: what the listener prints, and the promises it makes, are the host program's.
 */
export function hostCall<T>(fn: () => T): T {
  const outer = syncSink;
  syncSink = undefined;
  try {
    return inFlight === 0 ? fn() : storage.run(undefined as unknown as TaskSink, fn);
  } finally {
    syncSink = outer;
  }
}
