import { Catalog, FunctionTask, Pipeline, ShellTask } from "@runnable-ts/sdk";
import { readData, writeData, writeReportThenFail } from "./functions";

/** Catalog: a file put by one step and got by the next; a hash-only put; a put after a failure. */
export const pipeline = new Pipeline({
  steps: [
    new FunctionTask({ name: "write", fn: writeData, catalog: new Catalog({ put: ["data/*.csv"] }) }),
    new ShellTask({ name: "remove_local", command: "rm -r data" }),
    new FunctionTask({ name: "read", fn: readData, returns: ["lines"], catalog: new Catalog({ get: ["data/data.csv"] }) }),
    new ShellTask({ name: "hash_only", command: "echo note > note.txt", catalog: new Catalog({ put: ["note.txt"], storeCopy: false }) }),
    new FunctionTask({
      name: "report",
      fn: writeReportThenFail,
      catalog: new Catalog({ put: ["report.txt"] }),
      onFailure: new Pipeline({ steps: [new ShellTask({ name: "after_report", command: "echo handled" })] }),
    }),
  ],
});
