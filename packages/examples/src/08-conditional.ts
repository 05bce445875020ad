import { Conditional, FunctionTask, Pipeline, ShellTask } from "@runnable-ts/sdk";
import { toss } from "./functions";

/** Conditional: the branch named by the value of `toss` runs; its parameters merge back. */
export const pipeline = new Pipeline({
  steps: [
    new FunctionTask({ name: "toss", fn: toss, returns: ["toss"] }),
    new Conditional({
      name: "conditional",
      parameter: "toss",
      branches: {
        heads: new Pipeline({ steps: [new ShellTask({ name: "on_heads", command: "export side=heads_value", returns: ["side"] })] }),
        tails: new Pipeline({ steps: [new ShellTask({ name: "on_tails", command: "export side=tails_value", returns: ["side"] })] }),
      },
    }),
  ],
});
