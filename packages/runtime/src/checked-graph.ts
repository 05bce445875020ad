import type { GraphDef } from "@runnable-ts/sdk";
import { RunSession } from "./session";

/**
 * The graph as a run would see it (implicit terminals added), after the same checks as
 * `execute` (config, plugins, definition) — without creating a run or running anything.
 * @throws ConfigError, plugin errors, GraphError: as `execute` would.
 */
export async function checkedGraph(graph: GraphDef, options: { cwd?: string; configurationFile?: string | undefined; env?: NodeJS.ProcessEnv }): Promise<GraphDef> {
  const session = await RunSession.open(graph, options);
  try {
    return session.prepared.graph;
  } finally {
    await session.close();
  }
}
