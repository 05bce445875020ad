import { FunctionTask, MapStep, Pipeline, ShellTask } from "@runnable-ts/sdk";
import { chunks, processChunk } from "./functions";

/** Map: a branch per chunk; returns reduced into a list (default) and a sum (named reducer). */
export const pipeline = new Pipeline({
  steps: [
    new FunctionTask({ name: "load", fn: chunks, returns: ["chunks"] }),
    new MapStep({
      name: "map_state",
      iterateOn: "chunks",
      iterateAs: "chunk",
      branch: new Pipeline({
        steps: [
          new FunctionTask({ name: "execute", fn: processChunk, returns: ["processed"] }),
          new ShellTask({ name: "shell", command: "export doubled=$((processed * 2))", returns: ["doubled"] }),
        ],
      }),
    }),
    new MapStep({
      name: "sum_state",
      iterateOn: "chunks",
      iterateAs: "chunk",
      reducer: "sum",
      branch: new Pipeline({ steps: [new FunctionTask({ name: "execute", fn: processChunk, returns: ["total"] })] }),
    }),
  ],
});
