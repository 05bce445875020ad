import { definePlugin, guardCatalog, guardRunLogStore } from "@runnable-ts/sdk";
import { ChunkedMinioRunLogStore } from "./chunked-minio-store";
import { s3ConfigSchema } from "./connection";
import { MinioRunLogStore } from "./minio-store";
import { S3Catalog } from "./s3-catalog";

export { S3Connection, s3ConfigSchema, type S3Config } from "./connection";
export { ChunkedMinioRunLogStore, S3JournalBackend } from "./chunked-minio-store";
export { MinioRunLogStore } from "./minio-store";
export { S3Catalog } from "./s3-catalog";

/** The `minio` run-log store plugin: one JSON document per run at `<prefix><run_id>.json`. */
export const minioRunLogStore = definePlugin({
  kind: "run-log-store",
  name: "minio",
  configSchema: s3ConfigSchema,
  create: (config) => guardRunLogStore("minio", new MinioRunLogStore(config)),
});

/** The `chunked-minio` run-log store plugin: immutable journal objects under `<prefix><run_id>/`. */
export const chunkedMinioRunLogStore = definePlugin({
  kind: "run-log-store",
  name: "chunked-minio",
  configSchema: s3ConfigSchema,
  create: (config) => new ChunkedMinioRunLogStore(config),
});

/** The `s3` catalog plugin: `<prefix><run_id>/<path>`, sha256 per file. */
export const s3Catalog = definePlugin({
  kind: "catalog",
  name: "s3",
  configSchema: s3ConfigSchema,
  create: (config) => guardCatalog("s3", new S3Catalog(config, "s3")),
});

/** The same catalog under the reference's name, `minio`. */
export const minioCatalog = definePlugin({
  kind: "catalog",
  name: "minio",
  configSchema: s3ConfigSchema,
  create: (config) => guardCatalog("minio", new S3Catalog(config, "minio")),
});
