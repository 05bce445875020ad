import { FunctionTask, Loop, Pipeline, ShellTask } from "@runnable-ts/sdk";
import { count } from "./functions";

/** Loop: count until `should_stop` (or 5 iterations); the index is `index` for function and shell. */
export const pipeline = new Pipeline({
  steps: [
    new FunctionTask({ name: "init", fn: () => 0, returns: ["counter"] }),
    new Loop({
      name: "counter_loop",
      maxIterations: 5,
      breakOn: "should_stop",
      indexAs: "index",
      branch: new Pipeline({
        steps: [
          new FunctionTask({ name: "count", fn: count, returns: ["counter", "should_stop", "seen_index"] }),
          new ShellTask({ name: "shell_index", command: "export shell_index=$index", returns: ["shell_index"] }),
        ],
      }),
    }),
  ],
});
