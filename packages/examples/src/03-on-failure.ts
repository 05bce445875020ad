import { FunctionTask, Pipeline, ShellTask } from "@runnable-ts/sdk";
import { failing } from "./functions";

/** On failure: the failing step hands over to a recovery pipeline; the step after it never runs. */
export const pipeline = new Pipeline({
  steps: [
    new FunctionTask({
      name: "risky",
      fn: failing,
      onFailure: new Pipeline({ steps: [new ShellTask({ name: "recover", command: "export recovered=true", returns: ["recovered"] })] }),
    }),
    new ShellTask({ name: "never", command: "echo this does not run" }),
  ],
});
