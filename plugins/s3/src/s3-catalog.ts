import { createReadStream, createWriteStream, statSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import type FastGlob from "fast-glob";
import {
  checkCatalogPattern,
  containedSource,
  containedTarget,
  RunnableError,
  sha256Bytes,
  sha256File,
  type CatalogService,
  type CatalogTransfer,
  type DataCatalogEntry,
} from "@runnable-ts/sdk";
import { S3Connection, type S3Config } from "./connection";

type Matcher = (path: string) => boolean;

/** fast-glob and picomatch, loaded on the first transfer (most steps move no files). */
function glob(pattern: string, options: FastGlob.Options): Promise<string[]> {
  return (require("fast-glob") as typeof FastGlob)(pattern, options);
}
function matcher(pattern: string): Matcher {
  return (require("picomatch") as (glob: string, options: { dot: boolean }) => Matcher)(pattern, { dot: true });
}

const NOT_DATA = [matcher("**/*.execution.log"), matcher("objects/**")];

/**
 * Files of a run under `<prefix><run_id>/` in a bucket, at their paths relative to the working
 * directory: the file-system catalog's contract on S3. Uploads stream the file with its length
 * (no aws-chunked framing: the bucket holds exactly the file's bytes); the sha256 is of the file.
 * Patterns cannot reach outside the working directory, symlinks included; keys that would land
 * outside it are refused.
 */
export class S3Catalog implements CatalogService {
  private readonly connection: S3Connection;

  constructor(config: S3Config, name: string) {
    this.connection = new S3Connection(config, `catalog "${name}"`);
  }

  private runPrefix(runId: string): string {
    return `${this.connection.prefix}${runId}/`;
  }

  async get(transfer: CatalogTransfer): Promise<DataCatalogEntry[]> {
    const prefix = this.runPrefix(transfer.runId);
    const entries: DataCatalogEntry[] = [];
    let stored: string[] | undefined;
    for (const pattern of transfer.patterns) {
      checkCatalogPattern(pattern, transfer.runId);
      stored ??= (await this.connection.list(prefix, {}, "E_CATALOG")).keys.map((k) => k.slice(prefix.length));
      const isMatch = matcher(pattern);
      const matches = stored.filter((rel) => isMatch(rel) && !NOT_DATA.some((m) => m(rel))).sort();
      if (matches.length === 0 && !transfer.allowMissing)
        throw new RunnableError("E_CATALOG", `catalog get: no files match "${pattern}" in the catalog of run ${transfer.runId} (${this.connection.location})`, { runId: transfer.runId });
      for (const rel of matches) {
        checkCatalogPattern(rel, transfer.runId);
        const target = containedTarget(transfer.cwd, rel, "get", transfer.runId);
        const body = await this.connection.getStream(prefix + rel);
        if (!body) throw new RunnableError("E_CATALOG", `catalog get: ${rel} vanished from the catalog of run ${transfer.runId}`, { runId: transfer.runId });
        await pipeline(body, createWriteStream(target));
        entries.push({ name: rel, data_hash: await sha256File(target), catalog_relative_path: rel, stage: "get" });
      }
    }
    return entries;
  }

  async put(transfer: CatalogTransfer): Promise<DataCatalogEntry[]> {
    const entries: DataCatalogEntry[] = [];
    for (const pattern of transfer.patterns) {
      checkCatalogPattern(pattern, transfer.runId);
      const matches = (await glob(pattern, { cwd: transfer.cwd, onlyFiles: true, dot: true, ignore: ["node_modules/**"] })).sort();
      if (matches.length === 0 && !transfer.allowMissing)
        throw new RunnableError("E_CATALOG", `catalog put: no files match "${pattern}" in ${transfer.cwd}`, { runId: transfer.runId });
      for (const rel of matches) {
        const source = containedSource(transfer.cwd, rel, "put", transfer.runId);
        const hash = await sha256File(source);
        if (transfer.storeCopy !== false)
          await this.connection.put(this.runPrefix(transfer.runId) + rel, createReadStream(source), { ContentLength: statSync(source).size }, "E_CATALOG");
        entries.push({ name: rel, data_hash: hash, catalog_relative_path: `${transfer.runId}/${rel}`, stage: "put" });
      }
    }
    return entries;
  }

  async putBytes(runId: string, name: string, data: Uint8Array): Promise<DataCatalogEntry> {
    checkCatalogPattern(name, runId);
    await this.connection.put(this.runPrefix(runId) + name, data, {}, "E_CATALOG");
    return { name, data_hash: sha256Bytes(data), catalog_relative_path: `${runId}/${name}`, stage: "put" };
  }

  async getBytes(runId: string, name: string): Promise<Uint8Array> {
    checkCatalogPattern(name, runId);
    const bytes = await this.connection.getBytes(this.runPrefix(runId) + name, "E_CATALOG");
    if (bytes === undefined) throw new RunnableError("E_CATALOG", `catalog: "${name}" is not in the catalog of run ${runId} (${this.connection.location})`, { runId });
    return bytes;
  }
}
