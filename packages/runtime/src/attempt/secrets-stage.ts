import type { Co } from "../co";
import type { AttemptContext, Next, Stage } from "./context";

/**
 * Resolves the secrets the task lists (only those: a task sees no other secret). From here on,
 * their values are masked in everything written or emitted about the attempt.
 */
export const secretsStage: Stage = (ctx, next) => (ctx.node.secrets.length === 0 ? next(ctx) : withSecrets(ctx, next));

function* withSecrets(ctx: AttemptContext, next: Next): Co<void> {
  for (const name of ctx.node.secrets) ctx.addSecret(name, (yield ctx.services.secrets.get(name)) as string);
  yield* next(ctx);
}
