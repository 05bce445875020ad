import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { descendantsOf, explainFailure, kernelEnvironment, killTree } from "../src/jupyter";

/** True while the process runs (a killed orphan may stay a zombie until PID 1 reaps it). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return !existsSync("/proc/self");
  }
};

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("killTree", () => {
  it("kills a process and a descendant that runs in a session of its own (as Jupyter starts its kernel)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kill-tree-"));
    const pidFile = join(dir, "pid");
    // setsid: the grandchild leaves the parent's process group, as jupyter_client's kernel does.
    const child = spawn("/bin/sh", ["-c", `setsid /bin/sh -c 'echo $$ > ${pidFile}; exec sleep 300' & wait`], { detached: true, stdio: "ignore" });
    await until(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "");
    const grandchild = Number(readFileSync(pidFile, "utf8"));
    expect(descendantsOf(child.pid!)).toContain(grandchild);
    const closed = new Promise((r) => child.on("close", r));
    killTree(child.pid!);
    await closed;
    await until(() => !alive(grandchild));
  });
});

describe("kernelEnvironment", () => {
  it("passes what Python needs, the listed secrets and the run's ids, and nothing else of the parent", () => {
    process.env.SOME_OTHER_SECRET = "x";
    try {
      const env = kernelEnvironment({ api_key: "v" }, "run-1", 2);
      expect(env).toMatchObject({ api_key: "v", RUNNABLE_RUN_ID: "run-1", RUNNABLE_STEP_ATTEMPT: "2", PATH: process.env.PATH });
      expect(env.SOME_OTHER_SECRET).toBeUndefined();
    } finally {
      delete process.env.SOME_OTHER_SECRET;
    }
  });
});

describe("explainFailure", () => {
  it("says what to install or fix for the failures Jupyter reports", () => {
    expect(explainFailure("jupyter_client.kernelspec.NoSuchKernel: No such kernel named nope\n", 1, "nope")).toMatch(/^Jupyter has no kernel named "nope" \(see jupyter kernelspec list/);
    expect(explainFailure("NoSuchKernel: No such kernel named python3", 1, "python3")).toMatch(/^Jupyter has no "python3" kernel; install .*python3-ipykernel/);
    expect(explainFailure("Jupyter command `jupyter-nbconvert` not found.", 1, "python3")).toMatch(/^Jupyter is installed without nbconvert; install .*jupyter-nbconvert/);
    expect(explainFailure("ModuleNotFoundError: No module named 'nbclient'", 1, "python3")).toMatch(/the Python module "nbclient" is missing; install/);
    expect(explainFailure("[NbConvertApp] Converting\nboom\n", 2, "python3")).toBe("jupyter nbconvert exited with code 2: boom");
  });
});
