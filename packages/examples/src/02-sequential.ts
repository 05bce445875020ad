import { FunctionTask, Pipeline, ShellTask } from "@runnable-ts/sdk";

/** Sequential steps passing values by name: function → shell → function. */
export const pipeline = new Pipeline({
  steps: [
    new FunctionTask({ name: "first", fn: () => 1, returns: ["x"] }),
    new ShellTask({ name: "second", command: "export y=$((x + 10))", returns: ["y"] }),
    new FunctionTask({ name: "third", fn: ({ x, y }: { x: number; y: number }) => x + y, returns: ["total"] }),
  ],
});
