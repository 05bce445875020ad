import type { Parameters, RunServices } from "@runnable-ts/sdk";
import type { Stage } from "./context";

/** Loads a pickled parameter from the catalog. */
export async function unpickle(services: RunServices, name: string): Promise<unknown> {
  return services.pickler.loads(await services.catalog.getBytes(services.runId, name));
}

/**
 * The parameters in scope: their values (pickled ones loaded) with map variables / loop indices
 * on top. Map variables count as read (they are why the iteration exists).
 */
export const parametersStage: Stage = async (ctx, next) => {
  const { req } = ctx;
  const parameters = await req.getParameters();
  const available: Parameters = { ...parameters };
  const values: Record<string, unknown> = {};
  for (const name in parameters) {
    const p = parameters[name]!;
    values[name] = p.kind === "object" ? await unpickle(ctx.services, String(p.value)) : p.value;
  }
  for (const name in req.iterVars) {
    const value = req.iterVars[name];
    available[name] = { kind: "json", value };
    values[name] = value;
    ctx.used.add(name);
  }
  ctx.available = available;
  ctx.values = values;
  ctx.params = values;
  ctx.log.setHeader(`Parameters available for the execution: ${Object.keys(values).join(", ")}`);
  return next();
};
