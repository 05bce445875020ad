import { Kernel } from "@runnable-ts/kernel";
import { RunnableError } from "@runnable-ts/sdk";
import type { CommandContext } from "../command";
import type { Output } from "../output";
import { startUi } from "../ui-server";

/**
 * `runnable ui [--port N] [--host H]`: serves the read-only web UI over the configured run-log
 * store until interrupted (SIGINT/SIGTERM). Binds to 127.0.0.1 unless `--host` says otherwise.
 */
export async function uiCommand(ctx: CommandContext, flags: { port?: string | undefined; host?: string | undefined }, output: Output): Promise<number> {
  const port = flags.port === undefined ? 4300 : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RunnableError("E_USAGE", `--port must be a port number (0 picks a free one), got "${flags.port}"`);
  const kernel = await Kernel.create(ctx.kernelOptions);
  const scope = await kernel.createRun();
  try {
    const ui = await startUi({ store: scope.get("run-log-store"), catalog: scope.get("catalog") }, { port, host: flags.host }).catch((error: NodeJS.ErrnoException) => {
      throw new RunnableError("E_USAGE", `runnable ui cannot listen on ${flags.host ?? "127.0.0.1"}:${port}: ${error.code ?? error.message} (choose another --port)`, {}, { cause: error });
    });
    output.out(`runnable ui: ${ui.url}  (read-only; Ctrl-C stops it)`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    await ui.close();
    return 0;
  } finally {
    await scope.get("run-log-store").close?.();
    await scope.dispose();
  }
}
