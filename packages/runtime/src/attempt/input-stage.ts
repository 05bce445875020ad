import { RunnableError } from "@runnable-ts/sdk";
import type { Stage } from "./context";
import { trackUse } from "./track-use";

/**
 * Validates the parameters with the task's zod `input` schema, if it has one; the parsed values
 * (coerced, defaulted) are what the task receives. Parameters the schema reads count as read.
 */
export const inputStage: Stage = {
  before(ctx) {
    const schema = ctx.node.input;
    if (!schema) return;
    const parsed = schema.safeParse(trackUse(ctx.values, ctx.used));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.map(String).join(".") || "(params)";
      throw new RunnableError("E_INPUT_INVALID", `invalid parameter "${where}": ${issue?.message ?? "rejected by the input schema"}`, { step: ctx.req.internalName, parameter: where });
    }
    ctx.params = { ...ctx.values, ...(parsed.data as Record<string, unknown>) };
  },
};
