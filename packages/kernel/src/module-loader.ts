import { createRequire } from "node:module";
import { dirname, extname } from "node:path";
import { pathToFileURL } from "node:url";
import { readPackageJson } from "./package-json";

/**
 * The one seam through which plugin and user modules are loaded. CommonJS files go through a
 * `require` created for the file itself (so their own dependencies resolve from where they
 * are installed); ES modules (and `.ts`/`.mts` files, given a loader) through native `import()`.
 * Resolves to the module's namespace; for CommonJS, `default` is `module.exports`.
 */
export async function loadModule(file: string): Promise<Record<string, unknown>> {
  if (isCommonJs(file)) {
    const exported: unknown = createRequire(file)(file);
    const ns = (typeof exported === "object" || typeof exported === "function") && exported !== null ? exported : {};
    const record = ns as Record<string, unknown>;
    if (record.__esModule === true) return record;
    // `default` is module.exports, as under import(); kept out of Object.keys for error listings.
    return Object.defineProperty({ ...record }, "default", { value: exported, enumerable: false });
  }
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

/** True when Node would treat `file` as CommonJS. */
export function isCommonJs(file: string): boolean {
  const ext = extname(file);
  if (ext === ".cjs" || ext === ".cts") return true;
  if (ext !== ".js" && ext !== ".ts") return false;
  return nearestPackageType(dirname(file)) !== "module";
}

function nearestPackageType(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      const pkg = readPackageJson(dir);
      if (pkg) return pkg.type;
    } catch {
      return undefined;
    }
    if (dirname(dir) === dir) return undefined;
  }
}
