import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeCatalogConformance } from "@runnable-ts/testing";
import { FileSystemCatalog } from "../src/index";

describeCatalogConformance("file-system", { create: () => new FileSystemCatalog(mkdtempSync(join(tmpdir(), "catalog-conf-"))) });
