import type { Stage } from "./context";

/**
 * Resolves the secrets the task lists (only those: a task sees no other secret). From here on,
 * their values are masked in everything written or emitted about the attempt.
 */
export const secretsStage: Stage = (ctx, next) => {
  if (ctx.node.secrets.length === 0) return next(ctx);
  return (async () => {
    for (const name of ctx.node.secrets) ctx.addSecret(name, await ctx.services.secrets.get(name));
    return next(ctx);
  })();
};
