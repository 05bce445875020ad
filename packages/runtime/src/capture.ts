import { AsyncLocalStorage } from "node:async_hooks";
import { format } from "node:util";

interface Sink {
  lines: string[];
  /** Sees each piece of output as it is written (the live view's "last line"). */
  onLine?: ((text: string) => void) | undefined;
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
      if (sink) {
        const text = format(...args);
        sink.lines.push(text);
        sink.onLine?.(text);
      }
      else original(...args);
    };
  }
}

/**
 * Runs `fn` with console output captured; resolves to its result and the captured text
 * (`onLine`, when given, also sees each piece as it is written).
 * With `concurrent` false (tasks run one at a time) the sink is a plain variable; otherwise an
 * AsyncLocalStorage keeps concurrent tasks apart (it slows every promise a little, so it is
 * only used when needed).
 */
export async function captureOutput<T>(
  fn: (log: (text: string) => void) => Promise<T>,
  concurrent: boolean | "off",
  onLine?: (text: string) => void,
): Promise<{ result?: T; error?: unknown; output: string }> {
  install();
  const sink: Sink = { lines: [], onLine };
  const log = (text: string): void => {
    sink.lines.push(text);
    onLine?.(text);
  };
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
