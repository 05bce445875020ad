import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What to install when Jupyter is missing. */
export const INSTALL_HINT =
  "install Jupyter's notebook runner: apt-get install jupyter-nbconvert python3-nbclient python3-ipykernel (Debian/Ubuntu), or pip install nbconvert nbclient ipykernel";

/** Variables of the parent environment a kernel needs to start (the rest, which may hold other secrets, is not passed). */
const PASSED = /^(PATH|HOME|USER|LOGNAME|SHELL|LANG|LANGUAGE|LC_[A-Z_]+|TZ|TMPDIR|TEMP|TMP|PYTHON[A-Z_]*|VIRTUAL_ENV|CONDA_[A-Z_]+|PYENV_[A-Z_]+|JUPYTER_[A-Z_]+|IPYTHONDIR|XDG_[A-Z_]+|LD_LIBRARY_PATH|SSL_CERT_FILE|SSL_CERT_DIR)$/;

/**
 * The environment of Jupyter and its kernel: what Python and Jupyter need from the parent
 * environment, the task's listed secrets, `RUNNABLE_RUN_ID` and `RUNNABLE_STEP_ATTEMPT`.
 */
export function kernelEnvironment(secrets: Readonly<Record<string, string>>, runId: string, attempt: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && PASSED.test(key)) env[key] = value;
  // debugpy prints a frozen-modules warning at every kernel start on Python 3.11+.
  env.PYDEVD_DISABLE_FILE_VALIDATION = "1";
  Object.assign(env, secrets);
  env.RUNNABLE_RUN_ID = runId;
  env.RUNNABLE_STEP_ATTEMPT = String(attempt);
  return env;
}

/** Inputs of {@link executeNotebook}. */
export interface JupyterRun {
  /** The notebook to execute, as JSON text (given on stdin: it is never written to disk). */
  notebook: string;
  kernel: string;
  /** Working directory of the kernel. */
  cwd: string;
  env: Record<string, string>;
  signal: AbortSignal;
}

/** Outcome of a Jupyter process that ran to its end. */
export interface JupyterOutcome {
  /** The executed notebook's JSON text, when Jupyter wrote one. */
  executed?: string;
  code: number | null;
  stderr: string;
}

/** Process ids of every descendant of `root` (Linux `/proc`; empty elsewhere). */
export function descendantsOf(root: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  for (let i = 0; i < queue.length; i++)
    for (const child of children.get(queue[i]!) ?? [])
      if (!out.includes(child)) {
        out.push(child);
        queue.push(child);
      }
  return out;
}

/**
 * Kills `pid`'s process group and, for every descendant, its process group too: Jupyter starts
 * the kernel in a session of its own, so killing Jupyter's group alone would leave the kernel
 * (and whatever it started) running.
 */
export function killTree(pid: number): void {
  const tree = [pid, ...descendantsOf(pid)];
  for (const p of tree)
    for (const target of [-p, p]) {
      try {
        process.kill(target, "SIGKILL");
      } catch {
        // not a group leader, or already gone
      }
    }
}

/**
 * Runs `jupyter nbconvert --to notebook --execute` on the notebook (from stdin; the kernel runs
 * in `cwd`), carrying on after a failing cell so the executed notebook is always written. The
 * output goes to a private temporary folder (it may hold secret values) that is removed before
 * this resolves; the folder is also Jupyter's runtime folder, so a killed kernel leaves nothing.
 * Aborting `signal` kills Jupyter and the kernel.
 * @throws Error naming what to install when `jupyter` is not on PATH.
 */
export async function executeNotebook(run: JupyterRun): Promise<JupyterOutcome> {
  if (run.signal.aborted) throw new Error("cancelled before the notebook started");
  const dir = await mkdtemp(join(tmpdir(), "runnable-notebook-"));
  try {
    const args = [
      "nbconvert",
      "--stdin",
      "--to",
      "notebook",
      "--execute",
      "--allow-errors",
      `--ExecutePreprocessor.kernel_name=${run.kernel}`,
      // The task's timeout_ms bounds the whole notebook; nbconvert's own default is 30 s per cell.
      "--ExecutePreprocessor.timeout=-1",
      "--output-dir",
      dir,
      "--output",
      "executed",
    ];
    const outcome = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn("jupyter", args, { cwd: run.cwd, env: { ...run.env, JUPYTER_RUNTIME_DIR: dir }, stdio: ["pipe", "ignore", "pipe"], detached: true });
      let stderr = "";
      child.stderr?.setEncoding("utf8").on("data", (text: string) => {
        stderr = (stderr + text).slice(-20_000);
      });
      const kill = (): void => {
        if (child.pid) killTree(child.pid);
      };
      run.signal.addEventListener("abort", kill, { once: true });
      child.stdin?.on("error", () => undefined);
      child.stdin?.end(run.notebook);
      child.on("error", (error: NodeJS.ErrnoException) => {
        run.signal.removeEventListener("abort", kill);
        reject(error.code === "ENOENT" ? new Error(`Jupyter is not installed: no "jupyter" command on PATH; ${INSTALL_HINT}`) : error);
      });
      child.on("close", (code) => {
        run.signal.removeEventListener("abort", kill);
        resolve({ code, stderr });
      });
    });
    let executed: string | undefined;
    try {
      executed = await readFile(join(dir, "executed.ipynb"), "utf8");
    } catch {
      executed = undefined;
    }
    return { ...outcome, ...(executed !== undefined ? { executed } : {}) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Why a Jupyter process that wrote no notebook failed, from its stderr, with how to fix it. */
export function explainFailure(stderr: string, code: number | null, kernel: string): string {
  const kernelMissing = /No such kernel named (\S+)/.exec(stderr);
  if (kernelMissing)
    return kernel === "python3"
      ? `Jupyter has no "python3" kernel; ${INSTALL_HINT}`
      : `Jupyter has no kernel named "${kernel}" (see jupyter kernelspec list, or install the kernel, e.g. python -m ipykernel install --user --name ${kernel})`;
  if (/Jupyter command `jupyter-nbconvert` not found/.test(stderr)) return `Jupyter is installed without nbconvert; ${INSTALL_HINT}`;
  const module = /ModuleNotFoundError: No module named '([^']+)'/.exec(stderr);
  if (module) return `Jupyter cannot run notebooks: the Python module "${module[1]}" is missing; ${INSTALL_HINT}`;
  const tail = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("[NbConvertApp]"))
    .slice(-3)
    .join(" | ");
  return `jupyter nbconvert ${code === null ? "was killed" : `exited with code ${code}`}${tail ? `: ${tail}` : ""}`;
}
