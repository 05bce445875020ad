import { AsyncLocalStorage } from "node:async_hooks";
import { format } from "node:util";

interface Sink {
  lines: string[];
}

const storage = new AsyncLocalStorage<Sink>();
let installed = false;
/** The sink of the one task running when tasks run one at a time (no async context needed). */
let current: Sink | undefined;

/**
 * Makes `console.*` calls made inside {@link captureOutput} (and everything they await) land
 * in that call's buffer instead of the terminal. Concurrent tasks each get their own buffer.
 */
function install(): void {
  if (installed) return;
  installed = true;
  for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]): void => {
      const sink = current ?? storage.getStore();
      if (sink) sink.lines.push(format(...args));
      else original(...args);
    };
  }
}

/**
 * Runs `fn` with console output captured; resolves to its result and the captured text.
 * With `concurrent` false (tasks run one at a time) the sink is a plain variable; otherwise an
 * AsyncLocalStorage keeps concurrent tasks apart (it slows every promise a little, so it is
 * only used when needed).
 */
export async function captureOutput<T>(fn: (log: (text: string) => void) => Promise<T>, concurrent: boolean | "off"): Promise<{ result?: T; error?: unknown; output: string }> {
  install();
  const sink: Sink = { lines: [] };
  const log = (text: string): void => void sink.lines.push(text);
  if (concurrent === false) current = sink;
  try {
    const result = await (concurrent === true ? storage.run(sink, () => fn(log)) : fn(log));
    return { result, output: sink.lines.join("\n") };
  } catch (error) {
    return { error, output: sink.lines.join("\n") };
  } finally {
    if (current === sink) current = undefined;
  }
}
