import { definePlugin, RunnableError, type SecretsProvider } from "@runnable-ts/sdk";

/** Secrets taken from the environment of the runnable process. */
export class EnvSecrets implements SecretsProvider {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  async get(name: string): Promise<string> {
    const value = this.env[name];
    if (value === undefined)
      throw new RunnableError("E_SECRET_NOT_FOUND", `No secret named "${name}" in the environment (secrets: env-secrets)`, {
        plugin: "env-secrets",
        secret: name,
      });
    return value;
  }
}

/** The `env-secrets` plugin (the default secrets provider). */
export const envSecrets = definePlugin({
  kind: "secrets",
  name: "env-secrets",
  create: () => new EnvSecrets(),
});
