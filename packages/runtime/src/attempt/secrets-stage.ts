import type { Stage } from "./context";

/**
 * Resolves the secrets the task lists (only those: a task sees no other secret). From here on,
 * their values are masked in everything written or emitted about the attempt.
 */
export const secretsStage: Stage = async (ctx, next) => {
  const { node, services } = ctx;
  for (const name of node.secrets) ctx.addSecret(name, await services.secrets.get(name));
  return next();
};
