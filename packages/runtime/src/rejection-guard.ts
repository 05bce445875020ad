import { currentTask, realConsole } from "./capture";
import { messageOf } from "./redact";

let holders = 0;

/**
 * A promise rejected with no handler, while runs are in progress: if the task whose code created
 * it is still running, that task fails (`E_UNHANDLED_REJECTION`); otherwise it is a warning on
 * stderr. Either way the process and its runs go on.
 */
function onUnhandledRejection(reason: unknown): void {
  const task = currentTask();
  if (task && !task.closed) {
    task.rejected(reason);
    return;
  }
  const origin = task ? `created by task ${task.step}, which had already finished` : "not by a task still running";
  const text = `runnable: warning: a promise was rejected and never handled (${origin}; the run goes on): ${messageOf(reason)}`;
  realConsole.warn(task ? task.mask(text) : text);
}

/**
 * Installs the process-level `unhandledRejection` handler for as long as a run holds it (the CLI
 * and in-process `execute()` alike); resolves to the function that releases the hold. The
 * handler is removed when the last run releases it, so a host program's own policy applies
 * between runs.
 */
export function holdRejectionGuard(): () => void {
  if (holders++ === 0) process.on("unhandledRejection", onUnhandledRejection);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0) process.off("unhandledRejection", onUnhandledRejection);
  };
}
