import { FunctionTask, metric, pickled, Pipeline, ShellTask } from "@runnable-ts/sdk";
import { readInitial, readPickled } from "./functions";

/**
 * Parameters: initial values from a parameters file (parameters.yaml), returns of every kind
 * (json, metric, pickled), read by function and shell steps.
 */
export const pipeline = new Pipeline({
  steps: [
    new FunctionTask({ name: "read_initial", fn: readInitial, returns: ["next_integer", "shout", metric("score"), pickled("counts")] }),
    new ShellTask({ name: "shell_reads", command: 'test "$nested" = \'{"x":10,"foo":"bar"}\' && export seen="$shout/$next_integer"', returns: ["seen"] }),
    new FunctionTask({ name: "read_pickled", fn: readPickled, returns: ["from_map"] }),
  ],
});
