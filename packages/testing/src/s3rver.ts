import crypto from "node:crypto";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { mkdir, rename } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

/** A running s3rver (a real S3-protocol server on loopback) for tests and benchmarks. */
export interface S3Server {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly port: number;
  /** Where the server keeps its buckets. */
  readonly directory: string;
  /** The connection keys of SPEC §13.1 for this server (credentials S3RVER/S3RVER). */
  config(bucket: string, prefix?: string): { bucket: string; prefix: string; endpoint: string; region: string; force_path_style: boolean; access_key_id: string; secret_access_key: string };
  /** Stops the server (keeping its data, unless `remove`). */
  stop(options?: { remove?: boolean }): Promise<void>;
}

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

let patched = false;

/**
 * s3rver encrypts list continuation tokens with single DES, which Node 20's OpenSSL 3 no longer
 * offers: a listing longer than one page answers HTTP 500. Triple DES with the key repeated is
 * single DES, and OpenSSL 3 still has it: route s3rver's `des` through it (only `des`, only in
 * the process that runs s3rver). {@link startS3rver} also fixes its read-after-write race.
 */
function patchDes(): void {
  if (patched) return;
  patched = true;
  const mutable = crypto as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ["createCipheriv", "createDecipheriv"]) {
    const original = mutable[name]!;
    mutable[name] = (algorithm: unknown, key: unknown, ...rest: unknown[]) =>
      algorithm === "des" && Buffer.isBuffer(key) && key.length === 8
        ? original.call(crypto, "des-ede3-cbc", Buffer.concat([key, key, key]), ...rest)
        : original.call(crypto, algorithm, key, ...rest);
  }
}

interface S3rverObject {
  bucket: string;
  key: string;
  content: Buffer | Readable;
  metadata: Record<string, string>;
}

interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
}

/**
 * s3rver answers a PUT before the object's bytes are on disk, writing them in place: a GET or a
 * listing right after can see a missing, empty or partial object, where S3 has read-after-write
 * consistency. Write to a temporary file, wait for it, write the metadata, then rename the file
 * into place (a listing only sees complete objects).
 */
function patchPutObject(): void {
  const store = (require("s3rver/lib/stores/filesystem") as { prototype: FilesystemStore & { putObject(o: S3rverObject): Promise<unknown> } }).prototype;
  store.putObject = async function (this: FilesystemStore, object: S3rverObject) {
    const objectPath = this.getResourcePath(object.bucket, object.key, "object");
    await mkdir(dirname(objectPath), { recursive: true });
    const temp = `${objectPath}.${crypto.randomBytes(6).toString("hex")}.tmp`;
    const md5 = crypto.createHash("md5");
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    await pipeline(Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content, counter, createWriteStream(temp));
    const digest = md5.digest("hex");
    await this.putMetadata(object.bucket, object.key, object.metadata, digest);
    await rename(temp, objectPath);
    return { size, md5: digest };
  };
}

/**
 * Starts s3rver in this process on 127.0.0.1 and a free port (or `port`), with its data in a
 * fresh temp folder (or `directory`, to restart a stopped server on the same data).
 * @throws Error naming s3rver when the package is not installed.
 */
export async function startS3rver(options: { port?: number; directory?: string } = {}): Promise<S3Server> {
  let S3rver: new (options: Record<string, unknown>) => S3rverInstance;
  try {
    S3rver = require("s3rver") as typeof S3rver;
  } catch (error) {
    throw new Error(`s3rver is not installed (npm install s3rver@3.7.1): the S3 tests need a real S3 server (${(error as Error).message})`, { cause: error });
  }
  if (!patched) patchPutObject();
  patchDes();
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), "s3rver-"));
  const server = new S3rver({ address: "127.0.0.1", port: options.port ?? 0, silent: true, directory, allowMismatchedSignatures: true });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    port: address.port,
    directory,
    config: (bucket, prefix = "") => ({ bucket, prefix, endpoint, region: "us-east-1", force_path_style: true, access_key_id: "S3RVER", secret_access_key: "S3RVER" }),
    stop: async ({ remove = false } = {}) => {
      await server.close();
      if (remove) rmSync(directory, { recursive: true, force: true });
    },
  };
}
