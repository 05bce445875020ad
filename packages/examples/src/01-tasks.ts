import { FunctionTask, Pipeline, ShellTask, Stub } from "@runnable-ts/sdk";
import { hello } from "./functions";

/** Tasks: a function, a shell command and a stub, one after another. */
export const pipeline = new Pipeline({
  description: "a function, a shell command and a stub",
  steps: [
    new FunctionTask({ name: "hello", fn: hello, returns: ["greeting"] }),
    new ShellTask({ name: "shell", command: 'echo "shell says: $greeting"' }),
    new Stub({ name: "placeholder" }),
  ],
});
