/** Options of {@link pluginModule}. */
export interface PluginModuleOptions {
  format: "cjs" | "esm";
  /** Export name; `default` gives a default export. */
  exportName: string;
  kind: string;
  name: string;
  /** JavaScript expression: the body of `create(config, deps)`, returning the implementation. */
  create?: string;
  /** JavaScript expression for `configSchema`, using `z` from `@runnable-ts/sdk`. */
  configSchema?: string;
  /** Statements placed before the export (e.g. `throw new Error("boom")`). */
  prelude?: string;
  /** Declare through the SDK's `definePlugin` (the fixture must link `@runnable-ts/sdk`); default plain object. */
  useSdk?: boolean;
}

/**
 * Source text of a plugin module in plain JavaScript, as a third party would write it without
 * a compiler (no decorators, no emitted metadata).
 */
export function pluginModule(o: PluginModuleOptions): string {
  const needsSdk = o.useSdk === true || o.configSchema !== undefined;
  const imports = !needsSdk
    ? ""
    : o.format === "cjs"
      ? `const { definePlugin, z } = require("@runnable-ts/sdk");\n`
      : `import sdk from "@runnable-ts/sdk";\nconst { definePlugin, z } = sdk;\n`;
  const body = `{ kind: ${JSON.stringify(o.kind)}, name: ${JSON.stringify(o.name)},${o.configSchema ? ` configSchema: ${o.configSchema},` : ""} create: (config, deps) => (${o.create ?? `{ plugin: ${JSON.stringify(o.name)}, config }`}) }`;
  const value = o.useSdk === true ? `definePlugin(${body})` : body;
  const exported =
    o.format === "cjs"
      ? o.exportName === "default"
        ? `module.exports = ${value};`
        : `exports.${o.exportName} = ${value};`
      : o.exportName === "default"
        ? `export default ${value};`
        : `export const ${o.exportName} = ${value};`;
  return `${imports}${o.prelude ?? ""}\n${exported}\n`;
}

/** A package.json `runnable` field declaring one plugin. */
export function manifest(kind: string, name: string, entry: string): Record<string, unknown> {
  return { apiVersion: 1, [kind]: { [name]: entry } };
}
