import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeRunLogStoreConformance } from "@runnable-ts/testing";
import { FileSystemRunLogStore } from "../src/index";

let folder = "";
describeRunLogStoreConformance("file-system", {
  create: () => new FileSystemRunLogStore((folder = mkdtempSync(join(tmpdir(), "fs-conf-")))),
  reopen: () => new FileSystemRunLogStore(folder),
  steps: 300,
});
