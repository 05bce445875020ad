import { spawn, type ChildProcess } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { subprocessLauncher, type Launcher, type LaunchRequest, type LaunchResult } from "@runnable-ts/sdk";

/** The CLI's prestart switch (`packages/cli/src/prestart.ts`; a plugin cannot import the CLI). */
const PRESTART_ENV = "RUNNABLE_PRESTARTED";
/** The tail of standard error kept for messages, as the SDK's subprocess launcher keeps it. */
const STDERR_TAIL = 4000;

/** A CLI process started ahead of its command: it loads the CLI, says "ready" on fd 3, then reads its command. */
interface Spare {
  readonly key: string;
  readonly child: ChildProcess;
  /** Resolves true once the process is ready for its command, false when it ended first. */
  readonly ready: Promise<boolean>;
  /** Resolves when the process has ended (and its stderr is read). */
  readonly closed: Promise<number | null>;
  stderr: string;
}

/** A launcher that keeps one step process started ahead, and its `close` (ends the one left). */
export interface PrestartedLauncher {
  readonly launcher: Launcher;
  close(): void;
}

/**
 * Processes kept started ahead: two, so that two load at once (on two cores) while a step runs,
 * and a chain of short steps is not held up by the start-up of one process at a time.
 */
const DEPTH = 2;

/**
 * The `emulator`'s launcher: every step still runs in a fresh `runnable execute-single-node`
 * process, in the run's folder, with this process's environment plus the request's variables
 * (what the SDK's subprocess launcher does), but the processes for the next steps are started
 * while the current one runs: Node's start-up and the CLI's module loading (most of a step
 * process's life) overlap the steps before. A process that cannot be prestarted (another CLI
 * that does not know the switch, a spawn error) means a launch as usual.
 */
export function prestartedLauncher(): PrestartedLauncher {
  /** Started ahead, oldest first. */
  let spares: Spare[] = [];
  let closed = false;
  /** False once a process ended instead of getting ready (a CLI that does not know the switch). */
  let prestarting = true;

  const spawnSpare = (request: LaunchRequest): Spare => {
    const [command, ...args] = request.argv;
    const child = spawn(command ?? "", args.slice(0, 1), {
      cwd: request.cwd,
      // The command line of this launch hints at the next ones' (the same run and config file).
      env: { ...process.env, [PRESTART_ENV]: JSON.stringify(request.argv) },
      // stdin and stdout as the subprocess launcher has them; fd 3 carries "ready" and the command.
      stdio: ["ignore", "ignore", "pipe", "pipe"],
    });
    const ended = new Promise<number | null>((resolve) => {
      child.on("error", () => resolve(null));
      child.on("close", (code) => resolve(code));
    });
    const ready = new Promise<boolean>((resolve) => {
      const channel = child.stdio[3] as Readable | null | undefined;
      if (!channel) return resolve(false);
      let said = "";
      channel.setEncoding("utf8");
      channel.on("data", (text: string) => {
        said += text;
        if (said.includes("ready\n")) resolve(true);
      });
      channel.on("error", () => resolve(false));
      channel.on("end", () => resolve(false));
      void ended.then(() => resolve(false));
    });
    const made: Spare = { key: keyOf(request), child, ready, closed: ended, stderr: "" };
    child.stderr?.setEncoding("utf8").on("data", (text: string) => (made.stderr = (made.stderr + text).slice(-STDERR_TAIL)));
    return made;
  };

  /** Drops the spares made for another command line, then starts spares up to {@link DEPTH}. */
  const refill = (request: LaunchRequest): void => {
    if (closed || !prestarting) return;
    const key = keyOf(request);
    for (const other of spares.filter((s) => s.key !== key)) other.child.kill();
    spares = spares.filter((s) => s.key === key);
    while (spares.length < DEPTH) spares.push(spawnSpare(request));
  };

  const launcher: Launcher = async (request) => {
    if (!prestarting) return subprocessLauncher(request);
    const key = keyOf(request);
    // This step's process: one started ahead, else one started now (it prepares for this very command).
    const taken = spares.find((s) => s.key === key) ?? spawnSpare(request);
    spares = spares.filter((s) => s !== taken);
    const ready = await taken.ready;
    // A process that ended instead of getting ready: this CLI cannot be prestarted.
    if (!ready) prestarting = false;
    // The next steps' processes start loading now, while this step runs (not before: on two
    // cores, a first step would otherwise wait behind the start-up of the ones after it).
    refill(request);
    return ready ? run(taken, request) : subprocessLauncher(request);
  };

  return {
    launcher,
    close: () => {
      closed = true;
      // Processes that have run nothing yet: ending them now keeps this one from waiting for them.
      for (const spare of spares) spare.child.kill();
      spares = [];
    },
  };
}

/** Launches of the same executable, CLI and folder can use the same prestarted process. */
const keyOf = (request: LaunchRequest): string => `${request.argv[0] ?? ""}\0${request.argv[1] ?? ""}\0${request.cwd}`;

/** Hands the request to a ready process and waits for it, as the subprocess launcher waits for its own. */
async function run(spare: Spare, request: LaunchRequest): Promise<LaunchResult> {
  const abort = (): void => void spare.child.kill("SIGTERM");
  if (request.signal?.aborted) abort();
  else request.signal?.addEventListener("abort", abort, { once: true });
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...process.env, ...request.env })) if (value !== undefined) env[name] = value;
  (spare.child.stdio[3] as Writable).end(`${JSON.stringify({ argv: request.argv, env, cwd: request.cwd })}\n`);
  const code = await spare.closed;
  request.signal?.removeEventListener("abort", abort);
  return { code, stderr: spare.stderr };
}
