import { FunctionTask, Pipeline } from "@runnable-ts/sdk";
import { touch } from "./functions";

/**
 * Mocked: run with a `mocked` executor config; unpatched tasks are recorded as mocks and do
 * not run (no marker file), patched ones run their patched command.
 */
export const pipeline = new Pipeline({
  steps: [
    new FunctionTask({ name: "expensive", fn: () => touch({ marker: "expensive" }) }),
    new FunctionTask({ name: "patched", fn: () => touch({ marker: "original" }) }),
  ],
});
