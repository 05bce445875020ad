import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeRunLogStoreConformance } from "@runnable-ts/testing";
import { ChunkedFsRunLogStore } from "../src/index";

let folder = "";
describeRunLogStoreConformance("chunked-fs", {
  create: () => new ChunkedFsRunLogStore((folder = mkdtempSync(join(tmpdir(), "chunked-conf-")))),
  reopen: () => new ChunkedFsRunLogStore(folder),
  crashTolerant: true,
});
