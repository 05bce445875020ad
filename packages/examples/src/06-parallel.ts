import { FunctionTask, Parallel, Pipeline, ShellTask } from "@runnable-ts/sdk";
import { branchA, branchB } from "./functions";

/** Parallel: branches see the parent's parameters; their results merge back (last declared wins). */
export const pipeline = new Pipeline({
  steps: [
    new FunctionTask({ name: "setup", fn: () => 100, returns: ["base"] }),
    new Parallel({
      name: "par",
      branches: {
        b1: new Pipeline({ steps: [new FunctionTask({ name: "step", fn: branchA, returns: ["from_a", "shared"] })] }),
        b2: new Pipeline({ steps: [new FunctionTask({ name: "step", fn: branchB, returns: ["from_b", "shared"] })] }),
      },
    }),
    new ShellTask({ name: "after", command: 'export summary="$from_a,$from_b,$shared"', returns: ["summary"] }),
  ],
});
