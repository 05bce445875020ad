import { FunctionTask, GraphError, Pipeline, RunnableError, type StepAttempt } from "@runnable-ts/sdk";
import { retryDelay } from "../src/retry-delay";
import { parseYamlPipeline } from "../src/yaml-pipeline";
import { findStep, run } from "./support";

/** A task function that fails `failures` times with `make()`, then returns. */
function flaky(failures: number, make: () => Error) {
  let calls = 0;
  return () => {
    calls += 1;
    if (calls <= failures) throw make();
    return calls;
  };
}
const coded = (code: string) => () => Object.assign(new Error(`failed with ${code}`), { code });
const gaps = (attempts: StepAttempt[]) => attempts.slice(1).map((a, i) => Date.parse(a.start_time) - Date.parse(attempts[i]!.end_time));

describe("retry delay", () => {
  it("grows by backoff from retry_delay_ms, is capped by max_delay_ms, and jitter keeps it within [delay/2, delay]", () => {
    expect([1, 2, 3, 4].map((k) => retryDelay(100, { backoff: 2 }, k))).toEqual([100, 200, 400, 800]);
    expect([1, 2, 3, 4].map((k) => retryDelay(100, { backoff: 3, max_delay_ms: 500 }, k))).toEqual([100, 300, 500, 500]);
    expect([1, 2, 3].map((k) => retryDelay(100, undefined, k))).toEqual([100, 100, 100]);
    expect(retryDelay(400, { jitter: true }, 1, () => 0)).toBe(200);
    expect(retryDelay(400, { jitter: true }, 1, () => 0.999999)).toBe(400);
    for (let i = 0; i < 200; i++) {
      const d = retryDelay(400, { jitter: true, backoff: 2 }, 2);
      expect(d).toBeGreaterThanOrEqual(400);
      expect(d).toBeLessThanOrEqual(800);
    }
  });
});

describe("retry policy in a run", () => {
  it("waits growing gaps between attempts (backoff 2 from 60 ms) and records each attempt's delay", async () => {
    const pipeline = new Pipeline({
      steps: [new FunctionTask({ name: "t", fn: flaky(3, coded("E_FLAKY")), returns: ["n"], maxAttempts: 4, retryDelayMs: 60, retry: { backoff: 2, retryOn: ["E_FLAKY"] } })],
    });
    const result = await run(pipeline);
    expect(result.status).toBe("SUCCESS");
    const attempts = findStep(result.runLog, "t")!.attempts;
    expect(attempts.map((a) => a.status)).toEqual(["FAIL", "FAIL", "FAIL", "SUCCESS"]);
    expect(attempts.map((a) => a.delay_ms)).toEqual([undefined, 60, 120, 240]);
    expect(attempts[0]!.error).toEqual({ name: "Error", code: "E_FLAKY" });
    // Generous bounds: each gap at least 80% of its delay, and no gap 2 s longer than it.
    gaps(attempts).forEach((gap, i) => {
      const delay = [60, 120, 240][i]!;
      expect(gap).toBeGreaterThanOrEqual(delay * 0.8);
      expect(gap).toBeLessThan(delay + 2000);
    });
  });

  it("retries an error whose name is in retryOn and fails at once on one that is not", async () => {
    const hit = await run(new Pipeline({ steps: [new FunctionTask({ name: "t", fn: flaky(1, () => new TypeError("bad type")), maxAttempts: 3, retry: { retryOn: ["TypeError"] } })] }));
    expect(findStep(hit.runLog, "t")!.attempts.map((a) => a.status)).toEqual(["FAIL", "SUCCESS"]);

    const miss = await run(new Pipeline({ steps: [new FunctionTask({ name: "t", fn: flaky(1, () => new RangeError("out of range")), maxAttempts: 3, retry: { retryOn: ["TypeError", "E_TIMEOUT"] } })] }));
    expect(miss.status).toBe("FAIL");
    const step = findStep(miss.runLog, "t")!;
    expect(step.attempts).toHaveLength(1);
    expect(step.message).toMatch(/out of range \(not retried: RangeError is not in retry\.retry_on\)/);
  });

  it("retries a timeout when retryOn lists E_TIMEOUT", async () => {
    let calls = 0;
    const slowOnce = async () => {
      calls += 1;
      if (calls === 1) await new Promise((r) => setTimeout(r, 2000));
      return calls;
    };
    const result = await run(new Pipeline({ steps: [new FunctionTask({ name: "t", fn: slowOnce, timeoutMs: 50, maxAttempts: 2, retry: { retryOn: ["E_TIMEOUT"] } })] }));
    expect(findStep(result.runLog, "t")!.attempts.map((a) => [a.status, a.error?.code])).toEqual([["FAIL", "E_TIMEOUT"], ["SUCCESS", undefined]]);
  });

  it("jitters each delay within [delay/2, delay]", async () => {
    const pipeline = new Pipeline({ steps: [new FunctionTask({ name: "t", fn: flaky(3, coded("E_X")), maxAttempts: 4, retryDelayMs: 100, retry: { jitter: true } })] });
    const delays = findStep((await run(pipeline)).runLog, "t")!.attempts.slice(1).map((a) => a.delay_ms!);
    expect(delays).toHaveLength(3);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(50);
      expect(d).toBeLessThanOrEqual(100);
    }
  });

  it("reports retryOn of a wrong type before anything runs, in the SDK and in YAML (with the position)", async () => {
    const sdk = await run(new Pipeline({ steps: [new FunctionTask({ name: "t", fn: () => 1, retry: { retryOn: "E_X" as unknown as string[] } })] })).catch((e: unknown) => e);
    expect(sdk).toBeInstanceOf(GraphError);
    expect((sdk as RunnableError).code).toBe("E_GRAPH_INVALID");
    expect((sdk as GraphError).problems).toEqual([expect.stringMatching(/step "t": retry\.retry_on must be a list of error names or codes/)]);

    const yaml = "dag:\n  start_at: t\n  steps:\n    t:\n      type: task\n      command_type: shell\n      command: exit 1\n      retry: { backoff: 2, retry_on: 5 }\n      next: success\n";
    const problems = await run(parseYamlPipeline(yaml, "pipeline.yaml")).catch((e: unknown) => e);
    expect((problems as GraphError).problems).toEqual([expect.stringMatching(/^pipeline\.yaml:8:\d+: .*retry.*retry_on.*must be a list of error names or codes/)]);
  });

  it("takes the policy from YAML (snake_case keys)", async () => {
    const yaml =
      "dag:\n  start_at: t\n  steps:\n    t:\n      type: task\n      command_type: shell\n      command: exit 3\n      max_attempts: 3\n      retry_delay_ms: 20\n      retry: { backoff: 2, max_delay_ms: 30, jitter: false, retry_on: [E_TASK_FAILED] }\n      next: success\n";
    const result = await run(parseYamlPipeline(yaml, "pipeline.yaml"));
    const attempts = findStep(result.runLog, "t")!.attempts;
    expect(attempts.map((a) => a.delay_ms)).toEqual([undefined, 20, 30]);
  });
});
