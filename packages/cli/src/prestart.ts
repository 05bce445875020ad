import { Socket } from "node:net";

/**
 * Set in the environment of a CLI process started ahead of its command, to the command line of
 * the launch before it (a JSON array: the next command is most likely alike), or "1": it loads
 * the CLI's modules, prepares what that command line would need, says so on file descriptor 3,
 * then reads its command from there.
 * The emulator executor keeps one such process ready while a step runs, so the next step's
 * process has already paid Node's start-up and the module loading (plugins cannot import the
 * CLI: the emulator spells the same name).
 */
export const PRESTART_ENV = "RUNNABLE_PRESTARTED";

/** The one line a prestarted process reads: the command it is to run, as a fresh process would have got it. */
export interface PrestartCommand {
  /** `process.argv` (node and the CLI first). */
  argv: string[];
  /** The whole environment. */
  env: Record<string, string>;
  cwd: string;
}

/** The `--config` / `-c` value of a command line, as the CLI would read it. */
export function configArgument(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-c" || arg === "--config") return argv[i + 1];
    if (arg.startsWith("--config=")) return arg.slice("--config=".length);
  }
  return undefined;
}

/** The command line of the launch before this process's (the value of {@link PRESTART_ENV}), when it holds one. */
export function hintedArgv(value: string | undefined): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(value ?? "");
    return Array.isArray(parsed) && parsed.every((a) => typeof a === "string") ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `preload` (loading what every command needs, preparing what the hinted command would;
 * nothing of a command runs), says "ready" on file descriptor 3, then waits there for one
 * {@link PrestartCommand} and hands it to `run` with `process.argv`, `process.env` and the
 * working directory set as a fresh process would have them (standard input stays what the
 * launcher gave, as for a fresh process). The channel closing first (the launcher went away)
 * ends the process quietly. Without a channel on fd 3 the process runs its own command line.
 */
export async function awaitCommand(preload: () => Promise<void>, run: (args: string[]) => void): Promise<void> {
  let channel: Socket;
  try {
    channel = new Socket({ fd: 3, readable: true, writable: true });
  } catch {
    run(process.argv.slice(2));
    return;
  }
  try {
    await preload();
  } catch {
    // The command reports it when it loads the same module.
  }
  let text = "";
  const onData = (chunk: string): void => {
    text += chunk;
    const end = text.indexOf("\n");
    if (end < 0) return;
    channel.off("data", onData).off("error", onEnd).destroy();
    const command = JSON.parse(text.slice(0, end)) as PrestartCommand;
    for (const name of Object.keys(process.env)) if (!(name in command.env)) delete process.env[name];
    Object.assign(process.env, command.env);
    process.chdir(command.cwd);
    process.argv = command.argv;
    run(command.argv.slice(2));
  };
  const onEnd = (): void => {
    if (!channel.destroyed) channel.destroy();
  };
  channel.setEncoding("utf8").on("data", onData).on("end", onEnd).on("error", onEnd);
  channel.write("ready\n");
}
