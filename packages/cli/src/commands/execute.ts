import { loadDefinition, runPipeline } from "@runnable-ts/runtime";
import type { RunEvent } from "@runnable-ts/sdk";
import type { CommandContext } from "../command";
import type { Output } from "../output";

/** Flags of `runnable execute`. */
export interface ExecuteFlags {
  parameters?: string | undefined;
  runId?: string | undefined;
  tag?: string | undefined;
  json: boolean;
  quiet: boolean;
}

const MARK: Record<string, string> = { SUCCESS: "ok  ", FAIL: "FAIL" };

/**
 * `runnable execute <file>`: runs a YAML pipeline or a module exporting `pipeline`. Prints a
 * line per finished step (nothing with --quiet but the summary; the run log with --json).
 * Exit code 1 when the run fails.
 */
export async function executeCommand(ctx: CommandContext, file: string, flags: ExecuteFlags, output: Output): Promise<number> {
  const cwd = ctx.kernelOptions.cwd ?? process.cwd();
  const definition = await loadDefinition(file, cwd);
  const onEvent = (event: RunEvent): void => {
    if (flags.quiet || flags.json) return;
    if (event.type === "step_completed") output.out(`${MARK[String(event.status)] ?? String(event.status)}  ${event.step}${event.message ? `  — ${String(event.message)}` : ""}`);
  };
  const result = await runPipeline(definition.graph, {
    definition: definition.source,
    cwd,
    configurationFile: ctx.kernelOptions.configFile,
    parametersFile: flags.parameters,
    runId: flags.runId,
    tag: flags.tag,
    onEvent,
  });
  if (flags.json) output.out(JSON.stringify(result.runLog, null, 2));
  else output.out(`run ${result.runId}: ${result.status}`);
  return result.status === "SUCCESS" ? 0 : 1;
}
