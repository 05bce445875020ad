import type { AttemptContext, Stage } from "./context";

/**
 * Resolves the secrets the task lists (only those: a task sees no other secret). From here on,
 * their values are masked in everything written or emitted about the attempt.
 */
export const secretsStage: Stage = {
  before(ctx) {
    if (ctx.node.secrets.length > 0) return withSecrets(ctx);
  },
};

async function withSecrets(ctx: AttemptContext): Promise<void> {
  for (const name of ctx.node.secrets) ctx.addSecret(name, await ctx.services.secrets.get(name));
}
