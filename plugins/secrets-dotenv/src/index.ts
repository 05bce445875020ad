import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { definePlugin, RunnableError, z, type SecretsProvider } from "@runnable-ts/sdk";

/**
 * Parses `.env` text: `NAME=value` lines, optional `export `, `#` comments, values in single
 * quotes (literal) or double quotes (with \n, \t, \" escapes).
 */
export function parseDotenv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2] ?? "";
    if (value.startsWith("'") && value.endsWith("'") && value.length >= 2) value = value.slice(1, -1);
    else if (value.startsWith('"') && value.endsWith('"') && value.length >= 2)
      value = value.slice(1, -1).replace(/\\(["\\nt])/g, (_, c: string) => ({ n: "\n", t: "\t" })[c] ?? c);
    else value = value.replace(/\s+#.*$/, "");
    out.set(match[1]!, value);
  }
  return out;
}

/** Secrets from a `.env` file, read on first use. */
export class DotenvSecrets implements SecretsProvider {
  private values: Promise<Map<string, string>> | undefined;

  constructor(private readonly location: string) {}

  async get(name: string): Promise<string> {
    this.values ??= readFile(this.location, "utf8").then(parseDotenv, () => {
      throw new RunnableError("E_SECRET_NOT_FOUND", `dotenv file ${this.location} cannot be read`, { plugin: "dotenv", file: this.location });
    });
    const value = (await this.values).get(name);
    if (value === undefined)
      throw new RunnableError("E_SECRET_NOT_FOUND", `No secret named "${name}" in ${this.location} (secrets: dotenv)`, { plugin: "dotenv", secret: name });
    return value;
  }
}

/** The `dotenv` secrets plugin. `location` is relative to the working directory. */
export const dotenvSecrets = definePlugin({
  kind: "secrets",
  name: "dotenv",
  configSchema: z.object({ location: z.string().min(1).default(".env") }),
  create: (config, deps) => new DotenvSecrets(resolve(deps.env.cwd, config.location)),
});
