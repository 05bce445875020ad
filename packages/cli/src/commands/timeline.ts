import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { Kernel } from "@runnable-ts/kernel";
import { renderTimelineHtml } from "@runnable-ts/runtime";
import { RunnableError } from "@runnable-ts/sdk";
import type { CommandContext } from "../command";
import type { Output } from "../output";

/**
 * `runnable timeline <run_id> [-o FILE]`: writes the run's timeline as one self-contained HTML
 * file (default `<run_id>.timeline.html` in the working directory) and prints its path.
 */
export async function timelineCommand(ctx: CommandContext, runId: string, flags: { output?: string | undefined }, output: Output): Promise<number> {
  const kernel = await Kernel.create(ctx.kernelOptions);
  const scope = await kernel.createRun();
  let html: string;
  try {
    const store = scope.get("run-log-store");
    if (!(await store.exists(runId))) throw new RunnableError("E_RUN_NOT_FOUND", `No run "${runId}" in the configured run-log store (pass the config the run used with -c)`, { runId });
    html = renderTimelineHtml(await store.getRunLog(runId));
  } finally {
    await scope.get("run-log-store").close?.();
    await scope.dispose();
  }
  const file = resolve(ctx.kernelOptions.cwd ?? process.cwd(), flags.output ?? `${runId}.timeline.html`);
  writeFileSync(file, html);
  output.out(`timeline of ${runId}: ${file}`);
  return 0;
}
