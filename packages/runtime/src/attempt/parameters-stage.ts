import { isPromiseLike, type Awaitable, type Parameters, type RunServices } from "@runnable-ts/sdk";
import type { AttemptContext, Stage } from "./context";

/**
 * The parameters in scope: their values (pickled ones loaded) with map variables / loop indices
 * on top. Map variables count as read (they are why the iteration exists). With the parameters
 * at hand (an in-memory store) and none pickled, it answers at once.
 */
export const parametersStage: Stage = {
  before(ctx) {
    const parameters = ctx.req.getParameters();
    if (isPromiseLike(parameters)) return Promise.resolve(parameters).then((read) => loaded(ctx, read));
    return loaded(ctx, parameters);
  },
};

function loaded(ctx: AttemptContext, parameters: Parameters): Awaitable<void> {
  const pickled = take(ctx, parameters);
  if (pickled) return loadPickled(ctx.services, parameters, pickled, ctx.values, ctx.req.iterVars);
}

/** Sets the context's available parameters and values; the names of the pickled ones, still to load. */
function take(ctx: AttemptContext, parameters: Parameters): string[] | undefined {
  const { iterVars } = ctx.req;
  // Copied by a loop, not a spread: a spread's copy with a map variable added gets a hidden
  // class of its own in every attempt (a map, its descriptors and a property array each time).
  const available: Parameters = {};
  const values: Record<string, unknown> = {};
  let pickled: string[] | undefined;
  for (const name in parameters) {
    const p = parameters[name]!;
    available[name] = p;
    if (p.kind === "object") (pickled ??= []).push(name);
    else values[name] = p.value;
  }
  for (const name in iterVars) {
    const value = iterVars[name];
    available[name] = { kind: "json", value };
    values[name] = value;
    ctx.used.add(name);
  }
  ctx.available = available;
  ctx.values = values;
  ctx.params = values;
  ctx.log.setParametersHeader(values);
  return pickled;
}

/** Loads the pickled parameters into `values` (a map variable of the same name stays on top). */
async function loadPickled(services: RunServices, parameters: Parameters, names: string[], values: Record<string, unknown>, iterVars: Readonly<Record<string, unknown>>): Promise<void> {
  for (const name of names) if (!(name in iterVars)) values[name] = await services.valueOf(parameters[name]!);
}
