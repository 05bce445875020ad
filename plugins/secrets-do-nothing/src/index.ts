import { definePlugin, type SecretsProvider } from "@runnable-ts/sdk";

/** The `do-nothing` secrets plugin: every secret is the empty string (for tests and dry runs). */
export const doNothingSecrets = definePlugin({
  kind: "secrets",
  name: "do-nothing",
  create: (): SecretsProvider => ({ get: async () => "" }),
});
