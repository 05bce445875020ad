import { checkedGraph, GRAPH_FORMATS, loadDefinition, renderGraph, type GraphFormat } from "@runnable-ts/runtime";
import { RunnableError } from "@runnable-ts/sdk";
import type { CommandContext } from "../command";
import type { Output } from "../output";

/**
 * `runnable graph <file> [--format text|mermaid|dot]`: the pipeline's graph, composites nested,
 * after the checks `execute` makes (definition errors are the same); nothing runs.
 */
export async function graphCommand(ctx: CommandContext, file: string, flags: { format?: string | undefined }, output: Output): Promise<number> {
  const format = (flags.format ?? "text") as GraphFormat;
  if (!GRAPH_FORMATS.includes(format)) throw new RunnableError("E_USAGE", `--format must be one of ${GRAPH_FORMATS.join(", ")}, got "${flags.format}"`);
  const cwd = ctx.kernelOptions.cwd ?? process.cwd();
  const definition = await loadDefinition(file, cwd);
  const { graph, nodeTypes } = await checkedGraph(definition.graph, { cwd, configurationFile: ctx.kernelOptions.configFile });
  output.out(renderGraph(graph, format, nodeTypes));
  return 0;
}
