import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { isPluginKind, PLUGIN_KINDS, type PluginKind } from "@runnable-ts/sdk";

/** The manifest version this kernel reads. */
export const MANIFEST_API_VERSION = 1;

/** A problem found while reading manifests; listed by `runnable plugins`, never fatal to others. */
export interface DiscoveryProblem {
  code: "E_MANIFEST_INVALID" | "E_PLUGIN_CONFLICT" | "E_PLUGIN_LOAD" | "E_PLUGIN_INVALID";
  /** The package the problem is in (or the packages, for a conflict). */
  package: string;
  /** JSON path of the field, e.g. `runnable.catalog.s3`. */
  path: string;
  message: string;
}

/** One `kind/name` entry of a manifest. */
export interface ManifestEntry {
  kind: PluginKind;
  name: string;
  /** The entry as written, e.g. `./dist/store.js#S3Store`. */
  entry: string;
  /** Absolute path of the module file. */
  file: string;
  /** Export to read; `default` when the entry has no `#`. */
  exportName: string;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const EXPORT_RE = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Reads the `runnable` field of one package. Every malformed part becomes a problem naming the
 * package and the JSON path; well-formed entries are returned even when others are not.
 */
export function parseManifest(
  field: unknown,
  packageName: string,
  packageDir: string,
): { entries: ManifestEntry[]; problems: DiscoveryProblem[] } {
  const entries: ManifestEntry[] = [];
  const problems: DiscoveryProblem[] = [];
  const problem = (path: string, message: string): void => {
    problems.push({ code: "E_MANIFEST_INVALID", package: packageName, path, message });
  };
  if (typeof field !== "object" || field === null || Array.isArray(field)) {
    problem("runnable", `must be an object like {"apiVersion": 1, "<kind>": {"<name>": "./file.js#export"}}, got ${describe(field)}`);
    return { entries, problems };
  }
  const record = field as Record<string, unknown>;
  if (record.apiVersion !== MANIFEST_API_VERSION) {
    problem("runnable.apiVersion", `must be ${MANIFEST_API_VERSION}, got ${describe(record.apiVersion)}`);
    return { entries, problems };
  }
  for (const [kind, plugins] of Object.entries(record)) {
    if (kind === "apiVersion") continue;
    if (!isPluginKind(kind)) {
      problem(`runnable.${kind}`, `unknown plugin kind "${kind}"; known kinds: ${PLUGIN_KINDS.join(", ")}`);
      continue;
    }
    if (typeof plugins !== "object" || plugins === null || Array.isArray(plugins)) {
      problem(`runnable.${kind}`, `must map plugin names to "<path>[#<export>]", got ${describe(plugins)}`);
      continue;
    }
    for (const [name, entry] of Object.entries(plugins as Record<string, unknown>)) {
      const path = `runnable.${kind}.${name}`;
      if (!NAME_RE.test(name)) {
        problem(path, `plugin name "${name}" may contain only letters, digits, "-" and "_"`);
        continue;
      }
      if (typeof entry !== "string") {
        problem(path, `must be a string "<path>[#<export>]", got ${describe(entry)}`);
        continue;
      }
      const hash = entry.indexOf("#");
      const rel = hash < 0 ? entry : entry.slice(0, hash);
      const exportName = hash < 0 ? "default" : entry.slice(hash + 1);
      if (!rel.startsWith("./")) {
        problem(path, `entry "${entry}" must be a path relative to the package root, starting with "./"`);
        continue;
      }
      if (!EXPORT_RE.test(exportName)) {
        problem(path, `entry "${entry}" names an invalid export "${exportName}"`);
        continue;
      }
      const file = resolve(packageDir, rel);
      if (!file.startsWith(packageDir)) {
        problem(path, `entry "${entry}" points outside the package`);
        continue;
      }
      if (!existsSync(file)) {
        problem(path, `entry file ${rel} does not exist in ${packageDir} (is the package built?)`);
        continue;
      }
      entries.push({ kind, name, entry, file, exportName });
    }
  }
  return { entries, problems };
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  return value === null ? "null" : `${typeof value} ${JSON.stringify(value)}`;
}
