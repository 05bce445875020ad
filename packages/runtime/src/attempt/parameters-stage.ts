import type { Parameters, RunServices } from "@runnable-ts/sdk";
import type { Stage } from "./context";

/**
 * The parameters in scope: their values (pickled ones loaded) with map variables / loop indices
 * on top. Map variables count as read (they are why the iteration exists).
 */
export const parametersStage: Stage = function* (ctx, next) {
  {
    const parameters = (yield ctx.req.getParameters()) as Parameters;
    const { req } = ctx;
    const available: Parameters = { ...parameters };
    const values: Record<string, unknown> = {};
    let pickled: string[] | undefined;
    for (const name in parameters) {
      const p = parameters[name]!;
      if (p.kind === "object") (pickled ??= []).push(name);
      else values[name] = p.value;
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
    if (pickled) yield loadPickled(ctx.services, parameters, pickled, values, req.iterVars);
  }
  yield* next(ctx);
};

/** Loads the pickled parameters into `values` (a map variable of the same name stays on top). */
async function loadPickled(services: RunServices, parameters: Parameters, names: string[], values: Record<string, unknown>, iterVars: Readonly<Record<string, unknown>>): Promise<void> {
  for (const name of names) if (!(name in iterVars)) values[name] = await services.valueOf(parameters[name]!);
}
