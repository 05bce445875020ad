import { spawn } from "node:child_process";
import { definePlugin, parseLoose, RunnableError, type TaskInvocation, type TaskType } from "@runnable-ts/sdk";

const COLLECT_FD = 3;

/** The environment a shell task sees: PATH, HOME, its parameters, map/loop variables and listed secrets only. */
export function shellEnvironment(invocation: TaskInvocation): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ["PATH", "HOME"]) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  const encode = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));
  for (const [name, p] of Object.entries(invocation.parameters)) if (p.kind !== "object") env[name] = encode(p.value);
  for (const [name, value] of Object.entries(invocation.iterVars)) env[name] = encode(value);
  Object.assign(env, invocation.secrets);
  env.RUNNABLE_RUN_ID = invocation.runId;
  env.RUNNABLE_STEP_ATTEMPT = String(invocation.attempt);
  return env;
}

/** Parses `env -0` output into a map. */
function parseEnv(dump: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of dump.split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) out.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return out;
}

/**
 * The `shell` task type: runs the command with `/bin/sh` in the working directory.
 * Parameters arrive as environment variables by bare name (strings raw, the rest as JSON);
 * `export name=value` returns a value for each name in `returns` (JSON-parsed when it parses).
 * A non-zero exit fails the attempt; stdout and stderr go to the execution log.
 */
export const shellTask = definePlugin({
  kind: "task",
  name: "shell",
  create: (): TaskType => ({
    validate: (node) => (typeof node.command === "string" && node.command.trim() !== "" ? [] : ["a shell task needs a command string"]),
    execute: (invocation) =>
      new Promise((resolve, reject) => {
        const script = `${String(invocation.node.command)}\n__runnable_rc=$?\nif [ "$__runnable_rc" -eq 0 ]; then env -0 >&${COLLECT_FD}; fi\nexit $__runnable_rc\n`;
        const child = spawn("/bin/sh", ["-c", script], {
          cwd: invocation.cwd,
          env: shellEnvironment(invocation),
          stdio: ["ignore", "pipe", "pipe", "pipe"],
          detached: true,
        });
        const collected: Buffer[] = [];
        const stderrTail: string[] = [];
        child.stdout?.setEncoding("utf8").on("data", (text: string) => invocation.log(text.replace(/\n$/, "")));
        child.stderr?.setEncoding("utf8").on("data", (text: string) => {
          invocation.log(text.replace(/\n$/, ""));
          stderrTail.push(text);
          if (stderrTail.length > 20) stderrTail.shift();
        });
        (child.stdio[COLLECT_FD] as NodeJS.ReadableStream | null)?.on("data", (chunk: Buffer) => collected.push(chunk));
        const kill = (): void => {
          try {
            if (child.pid) process.kill(-child.pid, "SIGTERM");
          } catch {
            // already gone
          }
        };
        invocation.signal.addEventListener("abort", kill, { once: true });
        child.on("error", (error) => reject(error));
        child.on("close", (code, signal) => {
          invocation.signal.removeEventListener("abort", kill);
          if (code !== 0) {
            const tail = stderrTail.join("").trim().split("\n").slice(-3).join(" | ");
            const what = signal ? `command killed by ${signal}` : `command exited with code ${code}${tail ? `: ${tail}` : ""}`;
            reject(new RunnableError("E_TASK_FAILED", what, { step: invocation.stepName, exitCode: code, signal }));
            return;
          }
          const env = parseEnv(Buffer.concat(collected).toString("utf8"));
          const out: Record<string, unknown> = {};
          for (const r of invocation.node.returns) {
            const value = env.get(r.name);
            if (value === undefined) {
              reject(new RunnableError("E_RETURN_INVALID", `the command did not export "${r.name}" (add: export ${r.name}=<value>)`, { step: invocation.stepName, return: r.name }));
              return;
            }
            out[r.name] = parseLoose(value);
          }
          resolve(out);
        });
      }),
  }),
});
