import { clearCache, withRunLogStore } from "@runnable-ts/runtime";
import { RunnableError } from "@runnable-ts/sdk";
import type { CommandContext } from "../command";
import type { Output } from "../output";

/** `runnable cache clear`: empties the step cache kept in the configured run-log store. */
export async function cacheCommand(ctx: CommandContext, action: string | undefined, output: Output): Promise<number> {
  if (action !== "clear") throw new RunnableError("E_USAGE", `cache takes "clear", got ${action === undefined ? "nothing" : `"${action}"`}`);
  const epoch = await withRunLogStore({ cwd: ctx.kernelOptions.cwd ?? process.cwd(), configurationFile: ctx.kernelOptions.configFile }, (store) => clearCache(store));
  output.out(epoch === 0 ? "step cache: empty (nothing recorded yet)" : "step cache cleared");
  return 0;
}
