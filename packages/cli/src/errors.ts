import { isRunnableError, type ErrorCode } from "@runnable-ts/sdk";

/** How to fix errors of a code, when the message itself does not say. */
const HELP: Partial<Record<ErrorCode, string>> = {
  E_RUN_NOT_FOUND: "`runnable runs` lists the runs of the configured store; pass the config the run used with -c",
  E_CONFIG_INVALID: "`runnable config` shows which configuration file is in effect",
  E_CONFIG_NOT_FOUND: "check the path given to --config or RUNNABLE_CONFIGURATION_FILE",
  E_PLUGIN_NOT_FOUND: "`runnable plugins` lists every plugin found and where it comes from",
  E_PLUGIN_LOAD: "`runnable plugins --check` imports every plugin and lists what does not load",
  E_PLUGIN_INVALID: "`runnable plugins --check` imports every plugin and lists what does not load",
  E_USAGE: "`runnable <command> --help` lists the command's arguments and options",
  E_INTERNAL: "an unexpected error (not one runnable-ts reports on purpose); RUNNABLE_DEBUG=1 prints the stack trace: include it if you report a bug",
};

/** What an operating-system error code means for the user, and what to do about it. */
const ERRNO: Record<string, { what: string; help: string }> = {
  ENOENT: { what: "no such file or folder", help: "check that the path exists and is spelled right" },
  EACCES: { what: "permission denied", help: "check the permissions of the path (or run as a user who may write there)" },
  EPERM: { what: "operation not permitted", help: "check the permissions and ownership of the path" },
  ENOSPC: { what: "no space left on the device", help: "free some disk space, or point the store or catalog at another disk" },
  EDQUOT: { what: "disk quota exceeded", help: "free some space within your quota" },
  EROFS: { what: "read-only file system", help: "point the store or catalog at a writable folder" },
  EISDIR: { what: "is a folder, not a file", help: "name a file" },
  ENOTDIR: { what: "a part of the path is a file, not a folder", help: "check the path" },
  EEXIST: { what: "already exists", help: "remove it or choose another name" },
  EMFILE: { what: "too many open files", help: "raise the open-file limit (ulimit -n)" },
  ENAMETOOLONG: { what: "file name too long", help: "use a shorter name or path" },
  EBUSY: { what: "resource busy", help: "retry when whatever holds it is done" },
};

/** An error as the CLI prints it: the text (one `error[CODE]: …` block) and the exit code. */
export interface FormattedError {
  code: string;
  text: string;
  exitCode: number;
}

/**
 * Formats any error a command ends with as one block: `error[CODE]: what`, then where (the
 * error's context) and how to fix it. A Node file-system error becomes `E_IO`; anything else
 * that is not a RunnableError is `E_INTERNAL`. No stack trace unless `debug` (RUNNABLE_DEBUG=1).
 */
export function formatError(error: unknown, debug: boolean): FormattedError {
  const { code, message, where, help } = describe(error);
  const [first = "", ...rest] = message.split("\n");
  const lines = [`error[${code}]: ${first}`, ...rest.map((l) => (l.startsWith("  ") ? l : `  ${l}`))];
  if (where.length > 0) lines.push(`  where: ${where.join(", ")}`);
  if (help) lines.push(`  help: ${help}`);
  if (debug) lines.push("", ...stacks(error));
  return { code, text: lines.join("\n"), exitCode: code === "E_USAGE" || code === "E_RUN_ID_INVALID" ? 2 : 1 };
}

/** True when stack traces were asked for (`RUNNABLE_DEBUG=1`). */
export function debugEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.RUNNABLE_DEBUG;
  return value !== undefined && value !== "" && value !== "0" && value !== "false";
}

function describe(error: unknown): { code: string; message: string; where: string[]; help: string | undefined } {
  if (isRunnableError(error)) {
    const where: string[] = [];
    const ctx = error.context;
    const mention = (label: string, value: unknown): void => {
      if (typeof value === "string" && value !== "" && !error.message.includes(value)) where.push(`${label} ${value}`);
    };
    mention("file", ctx.file);
    mention("plugin", ctx.plugin === undefined ? undefined : `${String(ctx.kind ?? "")}/${String(ctx.plugin)}`.replace(/^\//, ""));
    mention("step", ctx.step);
    mention("run", ctx.runId);
    const io = errnoOf(error.cause);
    return { code: error.code, message: error.message, where, help: HELP[error.code] ?? (io ? ERRNO[io.code]?.help : undefined) };
  }
  const io = errnoOf(error);
  if (io) {
    const known = ERRNO[io.code];
    const target = io.path ? ` ${io.path}${io.dest ? ` -> ${io.dest}` : ""}` : "";
    const message = `${io.syscall ? `${io.syscall}${target}` : `file-system operation${target}`} failed: ${known?.what ?? io.message} (${io.code})`;
    return { code: "E_IO", message, where: [], help: known?.help };
  }
  const message = error instanceof Error ? `${error.name === "Error" ? "" : `${error.name}: `}${error.message}` : `a non-error value was thrown: ${String(error)}`;
  return { code: "E_INTERNAL", message, where: [], help: HELP.E_INTERNAL };
}

interface ErrnoLike {
  code: string;
  message: string;
  syscall?: string;
  path?: string;
  dest?: string;
}

function errnoOf(value: unknown): ErrnoLike | undefined {
  if (!(value instanceof Error)) return undefined;
  const e = value as Error & Partial<ErrnoLike> & { errno?: unknown };
  if (typeof e.code !== "string" || !/^E[A-Z]+$/.test(e.code) || (typeof e.errno !== "number" && typeof e.syscall !== "string")) return undefined;
  return { code: e.code, message: e.message, ...(e.syscall ? { syscall: e.syscall } : {}), ...(e.path ? { path: e.path } : {}), ...(e.dest ? { dest: e.dest } : {}) };
}

function stacks(error: unknown): string[] {
  const out: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    out.push(depth === 0 ? "stack:" : "caused by:", current instanceof Error ? (current.stack ?? current.message) : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return out;
}
