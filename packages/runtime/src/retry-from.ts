import { DYNAMIC_BRANCH_KEY, RunnableError, type GraphDef, type NodeType } from "@runnable-ts/sdk";
import { subgraphsOf, withTerminals } from "./graph-check";

/**
 * What `retry --from <step>` runs again even though it succeeded: the step and every step after
 * it in its graph (reachable by `next` / `on_failure`), then — level by level up to the root —
 * the composite holding that graph and everything after it. Everything inside a step after the
 * named one runs again; of the composites holding it, only the branch holding it does.
 */
export class RetryFrom {
  private constructor(
    readonly from: string,
    private readonly steps: ReadonlySet<string>,
    private readonly inside: readonly string[],
    private readonly branches: ReadonlySet<string>,
  ) {}

  /**
   * Resolves `from` (an internal name: `map_state.2.execute`) in `graph`.
   * @throws RunnableError `E_RETRY_FROM_INVALID` when it names no step of the pipeline.
   */
  static of(graph: GraphDef, from: string, nodeTypes: ReadonlyMap<string, NodeType>): RetryFrom {
    const segments = from.split(".");
    const levels: { graph: GraphDef; scope: string; name: string }[] = [];
    let current = withTerminals(graph);
    let scope = "";
    for (let i = 0; ; i += 2) {
      const name = segments[i] ?? "";
      const node = current.steps[name];
      if (!node) throw invalid(from, `there is no step "${name}" in ${scope || "the pipeline"}`);
      levels.push({ graph: current, scope, name });
      if (i === segments.length - 1) break;
      const key = segments[i + 1] ?? "";
      const subgraphs = subgraphsOf(node, nodeTypes);
      const sub = subgraphs[key] ?? subgraphs[DYNAMIC_BRANCH_KEY];
      if (!sub) throw invalid(from, `step "${scope ? `${scope}.${name}` : name}" has no branch "${key}"`);
      scope = scope ? `${scope}.${name}.${key}` : `${name}.${key}`;
      current = withTerminals(sub);
    }
    const steps = new Set<string>();
    const inside: string[] = [];
    const branches = new Set<string>();
    levels.forEach((level, depth) => {
      const at = (name: string): string => (level.scope ? `${level.scope}.${name}` : name);
      if (level.scope) branches.add(level.scope);
      for (const name of reachable(level.graph, level.name)) {
        steps.add(at(name));
        // Inside steps after the named one (or the named one itself), everything runs again.
        if (name !== level.name || depth === levels.length - 1) inside.push(`${at(name)}.`);
      }
    });
    return new RetryFrom(from, steps, inside, branches);
  }

  /** True when the step must run again even if it succeeded. */
  forcesStep(internalName: string): boolean {
    return this.steps.has(internalName) || this.inside.some((prefix) => internalName.startsWith(prefix));
  }

  /** True when the branch must run again (its succeeded steps are skipped unless forced). */
  forcesBranch(internalName: string): boolean {
    return this.branches.has(internalName) || this.inside.some((prefix) => internalName.startsWith(prefix));
  }
}

/** `start` and every step reachable from it by `next` and `on_failure`. */
function reachable(graph: GraphDef, start: string): Set<string> {
  const seen = new Set<string>();
  const todo = [start];
  while (todo.length > 0) {
    const name = todo.pop()!;
    const node = graph.steps[name];
    if (!node || seen.has(name)) continue;
    seen.add(name);
    if (node.next) todo.push(node.next);
    if (node.on_failure) todo.push(node.on_failure);
  }
  return seen;
}

function invalid(from: string, why: string): RunnableError {
  return new RunnableError("E_RETRY_FROM_INVALID", `--from ${from}: ${why}; name a step by its internal name (runnable show <run_id> lists them), e.g. map_state.2.execute`, { step: from });
}
