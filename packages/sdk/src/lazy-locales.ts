import { existsSync, readFileSync } from "node:fs";
import Module from "node:module";
import { dirname, join } from "node:path";

interface Loader {
  _cache: NodeJS.Dict<NodeModule>;
  _nodeModulePaths(from: string): string[];
}

/**
 * Makes zod 4's locale index load each locale on first use instead of all 64 at once (zod's
 * own index requires every one; they are a third of zod's import time, and a process uses at
 * most one, `en`, which zod loads by itself). Before zod loads, `locales/index.cjs` of the zod
 * the SDK loads is put in the module cache as a stand-in with the same exports, as getters
 * that require the locale's own file when read: the same modules, the same single zod, loaded
 * later. A locale index of another shape (a zod release that changed it) is left alone.
 * Returns true when the stand-in is in place.
 */
export function lazyZodLocales(): boolean {
  try {
    const loader = Module as unknown as Loader;
    // The zod this package (the SDK) loads.
    const zodIndex = require.resolve("zod");
    const file = join(dirname(zodIndex), "v4", "locales", "index.cjs");
    if (loader._cache[file] || !existsSync(file)) return false;
    const source = readFileSync(file, "utf8");
    const variables = new Map<string, string>();
    for (const [, variable, request] of source.matchAll(/^var (\w+) = require\("(\.\/[\w-]+\.cjs)"\);$/gm)) variables.set(variable!, request!);
    const locales = new Map<string, string>();
    for (const [, name, variable] of source.matchAll(/^Object\.defineProperty\(exports, "(\w+)", \{ enumerable: true, get: function \(\) \{ return __importDefault\((\w+)\)\.default; \} \}\);$/gm)) {
      const request = variables.get(variable!);
      if (request) locales.set(name!, request);
    }
    const requires = source.match(/require\(/g)?.length ?? 0;
    if (locales.size === 0 || locales.size !== variables.size || requires !== variables.size) return false;
    const standIn = new Module(file) as NodeModule & { paths: string[] };
    standIn.filename = file;
    standIn.paths = loader._nodeModulePaths(dirname(file));
    const exports: Record<string, unknown> = {};
    Object.defineProperty(exports, "__esModule", { value: true });
    for (const [name, request] of locales)
      Object.defineProperty(exports, name, {
        enumerable: true,
        get: () => {
          const loaded = standIn.require(request) as { __esModule?: boolean; default?: unknown };
          return loaded && loaded.__esModule ? loaded.default : loaded;
        },
      });
    standIn.exports = exports;
    standIn.loaded = true;
    loader._cache[file] = standIn;
    return true;
  } catch {
    // No SDK or zod where expected: zod loads as usual.
    return false;
  }
}
