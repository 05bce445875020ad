import { FunctionTask, Pipeline, ShellTask } from "@runnable-ts/sdk";
import { useSecret } from "./functions";

/** Secrets: only the secrets a task lists reach it (functions: ctx.secrets; shell: its env). */
export const pipeline = new Pipeline({
  steps: [
    new FunctionTask({ name: "use_secret", fn: useSecret, secrets: ["api_key"], returns: ["key_length"] }),
    new ShellTask({ name: "shell_secret", command: 'export shell_length=${#api_key}; echo "using the key"', secrets: ["api_key"], returns: ["shell_length"] }),
    new ShellTask({ name: "no_secret", command: 'export visible="${api_key:-unset}"', returns: ["visible"] }),
  ],
});
