import { createHash } from "node:crypto";
import { copyFile, mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import type FastGlob from "fast-glob";
import {
  checkCatalogPattern,
  containedSource,
  containedTarget,
  definePlugin,
  guardCatalog,
  RunnableError,
  sha256Bytes,
  sha256File,
  writeFileAtomicSync,
  z,
  type CatalogService,
  type CatalogTransfer,
  type DataCatalogEntry,
} from "@runnable-ts/sdk";

export { sha256File } from "@runnable-ts/sdk";

/** fast-glob, loaded on the first transfer (most steps move no files: keep start-up light). */
function glob(pattern: string, options: FastGlob.Options): Promise<string[]> {
  return (require("fast-glob") as typeof FastGlob)(pattern, options);
}

/**
 * Files of a run under `<catalog_location>/<run_id>/`, at their paths relative to the working
 * directory. `get` copies matches from the run's folder into the working directory; `put` copies
 * matches from the working directory into it (or only hashes them with `storeCopy: false`).
 * Patterns are globs; they cannot reach outside either root, symlinks included: a match that
 * resolves outside its root, or a write through a symlinked folder, is refused.
 */
export class FileSystemCatalog implements CatalogService {
  constructor(private readonly location: string) {}

  private runDir(runId: string): string {
    return join(this.location, runId);
  }

  async get(transfer: CatalogTransfer): Promise<DataCatalogEntry[]> {
    const root = this.runDir(transfer.runId);
    const entries: DataCatalogEntry[] = [];
    for (const pattern of transfer.patterns) {
      checkCatalogPattern(pattern, transfer.runId);
      const matches = (await glob(pattern, { cwd: root, onlyFiles: true, dot: true, ignore: ["**/*.execution.log", "objects/**"] })).sort();
      if (matches.length === 0 && !transfer.allowMissing)
        throw new RunnableError("E_CATALOG", `catalog get: no files match "${pattern}" in the catalog of run ${transfer.runId}`, { runId: transfer.runId });
      for (const rel of matches) {
        const source = containedSource(root, rel, "get", transfer.runId);
        const target = containedTarget(transfer.cwd, rel, "get", transfer.runId);
        await copyFile(source, target);
        entries.push({ name: rel, data_hash: await sha256File(target), catalog_relative_path: rel, stage: "get" });
      }
    }
    return entries;
  }

  async put(transfer: CatalogTransfer): Promise<DataCatalogEntry[]> {
    const root = this.runDir(transfer.runId);
    const entries: DataCatalogEntry[] = [];
    const ignore = ["node_modules/**"];
    const own = relative(transfer.cwd, this.location);
    if (own && !own.startsWith("..")) ignore.push(`${own.split(sep).join("/")}/**`);
    for (const pattern of transfer.patterns) {
      checkCatalogPattern(pattern, transfer.runId);
      const matches = (await glob(pattern, { cwd: transfer.cwd, onlyFiles: true, dot: true, ignore })).sort();
      if (matches.length === 0 && !transfer.allowMissing)
        throw new RunnableError("E_CATALOG", `catalog put: no files match "${pattern}" in ${transfer.cwd}`, { runId: transfer.runId });
      for (const rel of matches) {
        const source = containedSource(transfer.cwd, rel, "put", transfer.runId);
        if (transfer.storeCopy !== false) await copyFile(source, containedTarget(root, rel, "put", transfer.runId));
        entries.push({ name: rel, data_hash: await sha256File(source), catalog_relative_path: `${transfer.runId}/${rel}`, stage: "put" });
      }
    }
    return entries;
  }

  async putBytes(runId: string, name: string, data: Uint8Array): Promise<DataCatalogEntry> {
    checkCatalogPattern(name, runId);
    writeFileAtomicSync(join(this.runDir(runId), name), data);
    return { name, data_hash: sha256Bytes(data), catalog_relative_path: `${runId}/${name}`, stage: "put" };
  }

  /** Streams `data` to `name` (through a temporary file renamed into place), hashing as it goes. */
  async putStream(runId: string, name: string, data: AsyncIterable<Uint8Array>): Promise<DataCatalogEntry> {
    checkCatalogPattern(name, runId);
    const target = join(this.runDir(runId), name);
    const partial = `${target}.${process.pid}.partial`;
    await mkdir(dirname(target), { recursive: true });
    const hash = createHash("sha256");
    // The file is opened before anything streams: a stream that opens it lazily could create it
    // after a failed copy removed it.
    try {
      const file = await open(partial, "w");
      await pipeline(
        data,
        async function* (source: AsyncIterable<Uint8Array>) {
          for await (const chunk of source) {
            hash.update(chunk);
            yield chunk;
          }
        },
        file.createWriteStream(),
      );
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      throw new RunnableError("E_CATALOG", `catalog: cannot store "${name}" in the catalog of run ${runId}: ${(error as Error).message}`, { runId }, { cause: error });
    }
    return { name, data_hash: hash.digest("hex"), catalog_relative_path: `${runId}/${name}`, stage: "put" };
  }

  async getBytes(runId: string, name: string): Promise<Uint8Array> {
    checkCatalogPattern(name, runId);
    try {
      return await readFile(join(this.runDir(runId), name));
    } catch {
      throw new RunnableError("E_CATALOG", `catalog: "${name}" is not in the catalog of run ${runId}`, { runId });
    }
  }
}

/** The `file-system` catalog plugin. `catalog_location` is relative to the working directory. */
export const fileSystemCatalog = definePlugin({
  kind: "catalog",
  name: "file-system",
  configSchema: z.object({ catalog_location: z.string().min(1).default(".catalog") }),
  create: (config, deps) => guardCatalog("file-system", new FileSystemCatalog(resolve(deps.env.cwd, config.catalog_location))),
});
