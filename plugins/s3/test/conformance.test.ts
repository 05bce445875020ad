import { describeCatalogConformance, describeRunLogStoreConformance, startS3rver, type S3Server } from "@runnable-ts/testing";
import { ChunkedMinioRunLogStore, MinioRunLogStore, S3Catalog } from "../src/index";

let server: S3Server;
beforeAll(async () => {
  server = await startS3rver();
});
afterAll(() => server.stop({ remove: true }));

let n = 0;
let prefix = "";
const fresh = (): string => (prefix = `t${++n}/`);

describeRunLogStoreConformance("chunked-minio", {
  create: () => new ChunkedMinioRunLogStore(server.config("runs", fresh())),
  reopen: () => new ChunkedMinioRunLogStore(server.config("runs", prefix)),
  crashTolerant: true,
});

describeRunLogStoreConformance("minio", {
  create: () => new MinioRunLogStore(server.config("runs", fresh())),
  reopen: () => new MinioRunLogStore(server.config("runs", prefix)),
  steps: 60,
});

describeCatalogConformance("s3", { create: () => new S3Catalog(server.config("catalog", fresh()), "s3") });
