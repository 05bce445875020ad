import type { GraphDef, NodeType } from "@runnable-ts/sdk";
import { RunSession } from "./session";

/**
 * The graph as a run would see it (implicit terminals added) and its node types, after the same checks as
 * `execute` (config, plugins, definition) — without creating a run or running anything.
 * @throws ConfigError, plugin errors, GraphError: as `execute` would.
 */
export async function checkedGraph(graph: GraphDef, options: { cwd?: string; configurationFile?: string | undefined; env?: NodeJS.ProcessEnv }): Promise<{ graph: GraphDef; nodeTypes: ReadonlyMap<string, NodeType> }> {
  const session = await RunSession.open(graph, options);
  try {
    return { graph: session.prepared.graph, nodeTypes: session.prepared.nodeTypes };
  } finally {
    await session.close();
  }
}
