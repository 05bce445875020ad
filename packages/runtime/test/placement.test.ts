import { newAttempt, newStepLog, type CodeIdentity, type Launcher, type LaunchRequest, type NodeDef, type RunServices, type StepLog, type TaskStep, type TraversalPolicy } from "@runnable-ts/sdk";
import { launchName, placeJob, placeSteps, secretsFromEnv } from "../src/placement";

// Unit tests of the protocol with a scripted launcher; the real launchers (a subprocess, podman)
// are tested end to end in test/local-container.test.ts, test/cli-jobs.test.ts and the examples.

const IDENTITY: CodeIdentity = { code_identifier: "sha256:abc", code_identifier_type: "docker", code_identifier_dependable: true, code_identifier_url: "img", code_identifier_message: "" };

/** Services over a store that records calls and serves the step logs a "launched process" wrote. */
function fakeRun(options: { persistent?: boolean; secrets?: Record<string, string> } = {}) {
  const calls: string[] = [];
  const recorded = new Map<string, StepLog>();
  let job: unknown = { status: "CREATED", message: "", mock: false, code_identities: [], attempts: [], data_catalog: [] };
  const store = {
    supportsConcurrentWriters: true,
    persistent: options.persistent ?? true,
    flush: async () => void calls.push("flush"),
    refresh: async () => void calls.push("refresh"),
    getStepLog: async (_: string, name: string) => recorded.get(name),
    getRunLog: async () => ({ job }),
    updateRunLog: async (_: string, patch: { job?: unknown }) => void (job = patch.job ?? job),
  };
  const services = {
    runId: "run-1",
    store,
    secrets: { get: async (name: string) => options.secrets?.[name] ?? Promise.reject(new Error(`no ${name}`)) },
    cwd: "/work/project",
    signal: new AbortController().signal,
  } as unknown as RunServices;
  return { calls, recorded, services, job: () => job as { status: string; message: string; code_identities: CodeIdentity[] } };
}

function taskStep(name: string, node: Partial<NodeDef> = {}, attempts = 0): TaskStep {
  const stepLog = newStepLog(name, name, "task");
  for (let i = 1; i <= attempts; i++) stepLog.attempts.push(newAttempt({ attempt_number: i, status: "FAIL" }));
  return { node: { name, type: "task", ...node } as NodeDef, internalName: name, iterVars: {}, stepLog, mock: async () => "SUCCESS" };
}

/** A traversal that hands each given step to the middleware, all at once. */
const traverseOver = (steps: TaskStep[], seen: TraversalPolicy[] = []) => async (policy: TraversalPolicy) => {
  seen.push(policy);
  const statuses = await Promise.all(steps.map((s) => policy.taskMiddleware!(s, async () => "SUCCESS")));
  return statuses.every((s) => s === "SUCCESS") ? "SUCCESS" : "FAIL";
};

const stepCommand = (name: string) => ["node", "cli.js", "execute-single-node", "run-1", "p.yaml", name];

describe("placement protocol", () => {
  it("flushes before the launch, refreshes after, adopts the recorded outcome and adds the launch's identities to its new attempts", async () => {
    const run = fakeRun();
    const step = taskStep("a", {}, 1);
    const launcher: Launcher = async () => {
      run.calls.push("launch");
      const log = newStepLog("a", "a", "task");
      log.attempts.push(newAttempt({ attempt_number: 1, status: "FAIL" }), newAttempt({ attempt_number: 2, status: "SUCCESS" }));
      log.status = "SUCCESS";
      run.recorded.set("a", log);
      return { code: 0, stderr: "", codeIdentities: [IDENTITY] };
    };
    const status = await placeSteps({ services: run.services, env: {}, traverse: traverseOver([step]), stepCommand }, launcher, { executor: "test" });
    expect(status).toBe("SUCCESS");
    expect(run.calls).toEqual(["flush", "launch", "refresh"]);
    expect(step.stepLog.attempts.map((a) => a.code_identities)).toEqual([[], [IDENTITY]]);
  });

  it.each([
    [{ code: 0, stderr: "" }, /ended with code 0 without recording an outcome/],
    [{ code: 137, stderr: "line one\nKilled" }, /ended with code 137 without recording an outcome: line one \| Killed/],
    [{ code: 125, stderr: "Error: unknown flag", notStarted: true, where: "container x" }, /the step's process \(container x\) could not start: Error: unknown flag/],
  ])("makes a launch that recorded no outcome a FAIL step saying why (%j)", async (result, message) => {
    const run = fakeRun();
    const step = taskStep("a");
    const status = await placeSteps({ services: run.services, env: {}, traverse: traverseOver([step]), stepCommand }, async () => result, { executor: "test" });
    expect(status).toBe("FAIL");
    expect(step.stepLog.message).toMatch(message);
  });

  it("reports a launcher that throws as a launch that could not start", async () => {
    const run = fakeRun();
    const step = taskStep("a");
    await placeSteps({ services: run.services, env: {}, traverse: traverseOver([step]), stepCommand }, async () => Promise.reject(new Error("engine exploded")), { executor: "test" });
    expect(step.stepLog.message).toBe("the step's process could not start: engine exploded");
  });

  it("passes the run's RUNNABLE_* and TRACEPARENT variables, and listed secrets by name only when asked", async () => {
    const requests: LaunchRequest[] = [];
    const launcher: Launcher = async (r) => (requests.push(r), { code: 1, stderr: "oops s3cret-value" });
    const env = { RUNNABLE_VAR_x: "1", TRACEPARENT: "00-abc-def-01", HOME: "/root", OTHER: "no" };
    const steps = () => [taskStep("a", { secrets: ["api_key", "missing"] })];
    const plain = fakeRun({ secrets: { api_key: "s3cret-value" } });
    await placeSteps({ services: plain.services, env, traverse: traverseOver(steps()), stepCommand }, launcher, { executor: "test" });
    expect(requests[0]?.env).toEqual({ RUNNABLE_VAR_x: "1", TRACEPARENT: "00-abc-def-01" });
    expect(requests[0]?.secretNames).toEqual([]);
    const passing = fakeRun({ secrets: { api_key: "s3cret-value" } });
    const step = steps()[0]!;
    await placeSteps({ services: passing.services, env, traverse: traverseOver([step]), stepCommand }, launcher, { executor: "test", passSecrets: true });
    // A secret this machine cannot resolve is left to the launched step (which records the failure).
    expect(requests[1]?.env).toEqual({ RUNNABLE_VAR_x: "1", TRACEPARENT: "00-abc-def-01", api_key: "s3cret-value", RUNNABLE_SECRETS_FROM_ENV: "api_key" });
    expect(requests[1]?.secretNames).toEqual(["api_key"]);
    expect(requests[1]?.argv).toEqual(stepCommand("a"));
    expect(step.stepLog.message).toContain("oops ***");
    expect(step.stepLog.message).not.toContain("s3cret-value");
  });

  it("bounds launches across the run by maxConcurrency and runs branches concurrently when it is above 1", async () => {
    const run = fakeRun();
    let inFlight = 0;
    let peak = 0;
    const launcher: Launcher = async () => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 10));
      inFlight--;
      return { code: 0, stderr: "" };
    };
    const policies: TraversalPolicy[] = [];
    const steps = Array.from({ length: 10 }, (_, i) => taskStep(`s${i}`));
    await placeSteps({ services: run.services, env: {}, traverse: traverseOver(steps, policies), stepCommand }, launcher, { executor: "test", maxConcurrency: 3 });
    expect(peak).toBe(3);
    expect(policies[0]).toMatchObject({ concurrentBranches: true, maxConcurrency: 3 });
  });

  it("refuses a store other processes cannot read", () => {
    const run = fakeRun({ persistent: false });
    expect(() => placeSteps({ services: run.services, env: {}, traverse: traverseOver([]), stepCommand }, async () => ({ code: 0, stderr: "" }), { executor: "emulator" })).toThrow(
      expect.objectContaining({ code: "E_CONFIG_INVALID", message: expect.stringMatching(/emulator executor .* configure a run-log store they can read/) }),
    );
  });

  it("places a job: adopts the job status it recorded, with the identities; no outcome is a FAIL job saying why", async () => {
    const run = fakeRun();
    const node = { name: "job", type: "task" } as NodeDef;
    const ok: Launcher = async () => {
      await run.services.store.updateRunLog("run-1", { job: { status: "SUCCESS", message: "", mock: false, code_identities: [], attempts: [newAttempt({ attempt_number: 1, status: "SUCCESS" })], data_catalog: [] } });
      return { code: 0, stderr: "", codeIdentities: [IDENTITY] };
    };
    expect(await placeJob({ services: run.services, env: {}, node, jobCommand: () => ["x"] }, ok, { executor: "test" })).toBe("SUCCESS");
    expect(run.job().code_identities).toEqual([IDENTITY]);
    const fresh = fakeRun();
    expect(await placeJob({ services: fresh.services, env: {}, node, jobCommand: () => ["x"] }, async () => ({ code: 2, stderr: "usage" }), { executor: "test" })).toBe("FAIL");
    expect(fresh.job()).toMatchObject({ status: "FAIL", message: "the job's process ended with code 2 without recording an outcome: usage" });
  });
});

describe("secretsFromEnv", () => {
  it("serves the names listed in RUNNABLE_SECRETS_FROM_ENV from the environment, the rest from the provider", async () => {
    const provider = { get: async (name: string) => `from-provider:${name}` };
    const secrets = secretsFromEnv(provider, { RUNNABLE_SECRETS_FROM_ENV: "a,b", a: "env-a" });
    expect(await secrets.get("a")).toBe("env-a");
    expect(await secrets.get("b")).toBe("from-provider:b"); // listed but absent
    expect(await secrets.get("c")).toBe("from-provider:c");
    expect(secretsFromEnv(provider, {})).toBe(provider);
  });
});

describe("launchName", () => {
  it("is a valid container name after the run and step, different for each launch", () => {
    const a = launchName("my run/1", "map.x y.step");
    expect(a).toMatch(/^runnable-my_run_1-map\.x_y\.step-[0-9a-f]{6}$/);
    expect(launchName("r", "s")).not.toBe(launchName("r", "s"));
    expect(launchName("r".repeat(300), "s").length).toBeLessThanOrEqual(117);
  });
});
