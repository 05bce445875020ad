import { createHash } from "node:crypto";
import { createReadStream, lstatSync, mkdirSync, realpathSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { RunnableError } from "./errors";

/** sha256 (hex) of a file, streamed. */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolvePromise(hash.digest("hex")));
  });
}

/** sha256 (hex) of bytes. */
export function sha256Bytes(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * Checks a catalog pattern or name: relative, no `..` segment.
 * @throws RunnableError `E_CATALOG` otherwise.
 */
export function checkCatalogPattern(pattern: string, runId: string): void {
  if (pattern === "" || isAbsolute(pattern) || pattern.split(/[\\/]/).includes(".."))
    throw new RunnableError("E_CATALOG", `catalog pattern "${pattern}" must be relative and stay inside the working directory / catalog (no "..", no absolute paths)`, { runId });
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
}

/**
 * The real path of `rel` under `root`, checked to stay inside `root` once every symlink is
 * resolved (a symlink in the working directory or the catalog pointing elsewhere is refused).
 * @throws RunnableError `E_CATALOG` naming the file and where it leads.
 */
export function containedSource(root: string, rel: string, what: string, runId: string): string {
  const realRoot = realpathSync(root);
  const path = resolve(root, rel);
  const real = realpathSync(path);
  if (!isInside(realRoot, real))
    throw new RunnableError("E_CATALOG", `catalog ${what}: ${rel} leads outside ${root} (to ${real}, through a symlink); it is not transferred. Copy the file in instead of linking it.`, {
      runId,
      path: rel,
    });
  return real;
}

/**
 * Where to write `rel` under `root` (its folders created), checked so that the write cannot land
 * outside `root`: no folder on the way and not the file itself may be a symlink leading out.
 * @throws RunnableError `E_CATALOG` naming the file.
 */
export function containedTarget(root: string, rel: string, what: string, runId: string): string {
  const target = resolve(root, rel);
  const refuse = (detail: string): RunnableError =>
    new RunnableError("E_CATALOG", `catalog ${what}: ${rel} would be written outside ${root} (${detail}); it is not transferred.`, { runId, path: rel });
  if (!isInside(resolve(root), target)) throw refuse("the path leaves it");
  mkdirSync(dirname(target), { recursive: true });
  const realRoot = realpathSync(root);
  const realDir = realpathSync(dirname(target));
  if (realDir !== realRoot && !isInside(realRoot, realDir)) throw refuse(`a folder on the way is a symlink to ${realDir}`);
  if (lstatSync(target, { throwIfNoEntry: false })?.isSymbolicLink()) throw refuse("the file there is a symlink");
  return target;
}
