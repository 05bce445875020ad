import { definePlugin, RunnableError, type CatalogService, type DataCatalogEntry } from "@runnable-ts/sdk";

/** A catalog that moves nothing: `get`/`put` match no files and stored bytes are dropped. */
export class DoNothingCatalog implements CatalogService {
  async get(): Promise<DataCatalogEntry[]> {
    return [];
  }

  async put(): Promise<DataCatalogEntry[]> {
    return [];
  }

  async putBytes(runId: string, name: string): Promise<DataCatalogEntry> {
    return { name, data_hash: "", catalog_relative_path: `${runId}/${name}`, stage: "put" };
  }

  async getBytes(runId: string, name: string): Promise<Uint8Array> {
    throw new RunnableError("E_CATALOG", `The do-nothing catalog keeps no files: "${name}" of run ${runId} cannot be read`, {
      plugin: "do-nothing",
      runId,
    });
  }
}

/** The `do-nothing` catalog plugin. */
export const doNothingCatalog = definePlugin({
  kind: "catalog",
  name: "do-nothing",
  create: () => new DoNothingCatalog(),
});
