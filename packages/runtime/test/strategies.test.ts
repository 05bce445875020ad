import type { BranchOutcome, BranchRequest, BranchSet, CompositeNodeType, GraphDef, Status, StepContext } from "@runnable-ts/sdk";
import { fanInOrderStrategy, fanInStrategy, fanNextStrategy, fanOutStrategy, runStrategy, type BranchOps } from "../src/strategies";
import { toPromise } from "../src/co";

// Unit tests of the three strategies over a composite's phases, with a fake node type and fake
// branch operations (the real traversal is covered end to end by engine, retry and cli-fan tests).

const GRAPH: GraphDef = { start_at: "t", steps: {} };
const context = { internalName: "c", node: { type: "fake", name: "c" }, iterVars: { outer: 1 }, stepLog: { message: "" } } as unknown as StepContext;

/** A composite of `count` branches; records what merge received. */
function composite(count: number, options: { fannable?: boolean; request?: BranchSet["request"] } = {}) {
  const merged: BranchOutcome[][] = [];
  const type: CompositeNodeType = {
    fannable: options.fannable ?? true,
    subgraphs: () => ({ "*": GRAPH }),
    branches: async () => ({ count, request: options.request ?? ((i) => ({ key: `k${i}`, graph: GRAPH, parameters: {}, iterVars: { item: i } })) }),
    merge: async (_ctx, outcomes) => {
      merged.push([...outcomes]);
      return outcomes.every((o) => o.status === "SUCCESS") ? "SUCCESS" : "FAIL";
    },
  };
  return { type, merged };
}

/** Branch operations that record calls; `run` takes `delay` ms and fails keys in `failing`. */
function fakeOps(options: { delay?: number; failing?: string[]; recorded?: Record<string, Status>; abortAfter?: number; succeeded?: string[] } = {}) {
  const controller = new AbortController();
  const calls: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const outcome = (r: BranchRequest, status: Status): BranchOutcome => ({ internalName: `c.${r.key}`, status, parameters: r.parameters, own: {} });
  const ops: BranchOps = {
    context,
    cancel: controller.signal,
    run: async (r) => {
      calls.push(`run ${r.key}`);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, options.delay ?? 0));
      inFlight--;
      if (options.abortAfter !== undefined && calls.length >= options.abortAfter) controller.abort(new Error("stop"));
      return outcome(r, options.failing?.includes(r.key) ? "FAIL" : "SUCCESS");
    },
    open: async (r) => {
      calls.push(`open ${r.key}`);
      return !options.succeeded?.includes(r.key);
    },
    reopen: async (r) => {
      calls.push(`reopen ${r.key}`);
    },
    recorded: async (r) => {
      calls.push(`recorded ${r.key}`);
      const status = options.recorded?.[r.key];
      if (status !== "SUCCESS" && status !== "FAIL") throw Object.assign(new Error(`fan in: branch c.${r.key} has not finished`), { code: "E_FAN_IN_UNFINISHED" });
      return outcome(r, status);
    },
  };
  return { ops, calls, maxInFlight: () => maxInFlight };
}

describe("run strategy", () => {
  it("runs independent branches one at a time in request order, then merges all outcomes in order", async () => {
    const { type, merged } = composite(3);
    const { ops, calls, maxInFlight } = fakeOps({ delay: 5, failing: ["k1"] });
    await expect(toPromise(runStrategy({ concurrentBranches: false, maxConcurrency: 4 })(type, ops))).resolves.toBe("FAIL");
    expect(calls).toEqual(["run k0", "run k1", "run k2"]);
    expect(maxInFlight()).toBe(1);
    expect(merged[0]!.map((o) => [o.internalName, o.status])).toEqual([["c.k0", "SUCCESS"], ["c.k1", "FAIL"], ["c.k2", "SUCCESS"]]);
  });

  it("runs independent branches in a pool no wider than maxConcurrency, outcomes kept in request order", async () => {
    const { type, merged } = composite(7);
    const { ops, maxInFlight } = fakeOps({ delay: 20 });
    await expect(toPromise(runStrategy({ concurrentBranches: true, maxConcurrency: 3 })(type, ops))).resolves.toBe("SUCCESS");
    expect(maxInFlight()).toBe(3);
    expect(merged[0]!.map((o) => o.internalName)).toEqual(["c.k0", "c.k1", "c.k2", "c.k3", "c.k4", "c.k5", "c.k6"]);
  });

  it("runs a composite that is not fannable in order, even under a concurrent policy, handing each request the previous outcome, until a request is undefined", async () => {
    const seen: (string | undefined)[] = [];
    const { type, merged } = composite(10, {
      fannable: false,
      request: (i, previous) => {
        seen.push(previous?.internalName);
        return i < 3 ? { key: String(i), graph: GRAPH, parameters: {} } : undefined;
      },
    });
    const { ops, calls, maxInFlight } = fakeOps({ delay: 5 });
    await expect(toPromise(runStrategy({ concurrentBranches: true, maxConcurrency: 8 })(type, ops))).resolves.toBe("SUCCESS");
    expect(calls).toEqual(["run 0", "run 1", "run 2"]);
    expect(maxInFlight()).toBe(1);
    expect(seen).toEqual([undefined, "c.0", "c.1", "c.2"]);
    expect(merged[0]).toHaveLength(3);
  });

  it("fails a cancelled step without merging and starts no further branch", async () => {
    const { type, merged } = composite(5);
    const { ops, calls } = fakeOps({ abortAfter: 2 });
    await expect(toPromise(runStrategy({ concurrentBranches: false, maxConcurrency: 1 })(type, ops))).resolves.toBe("FAIL");
    expect(calls).toEqual(["run k0", "run k1"]);
    expect(merged).toHaveLength(0);
  });

  it("rejects a fannable set whose request is missing, naming the step", async () => {
    const { type } = composite(2, { request: (i) => (i === 0 ? { key: "a", graph: GRAPH, parameters: {} } : undefined) });
    const { ops } = fakeOps();
    await expect(toPromise(runStrategy({ concurrentBranches: false, maxConcurrency: 1 })(type, ops))).rejects.toMatchObject({ code: "E_BRANCH_INVALID", context: { step: "c" } });
  });
});

describe("fan-out strategy", () => {
  it("opens a log for every branch, runs none, and lists the branches with the step's variables under theirs", async () => {
    const { type, merged } = composite(3);
    const { ops, calls } = fakeOps();
    const created: { key: string; iterVars: Record<string, unknown> }[] = [];
    await expect(toPromise(fanOutStrategy(created)(type, ops))).resolves.toBe("PROCESSING");
    expect(calls).toEqual(["open k0", "open k1", "open k2"]);
    expect(created).toEqual([
      { key: "k0", iterVars: { outer: 1, item: 0 } },
      { key: "k1", iterVars: { outer: 1, item: 1 } },
      { key: "k2", iterVars: { outer: 1, item: 2 } },
    ]);
    expect(merged).toHaveLength(0);
  });

  it("lists only the branches it opened: on a retry, one that succeeded is not fanned out again", async () => {
    const { type } = composite(3);
    const { ops } = fakeOps({ succeeded: ["k1"] });
    const created: { key: string; iterVars: Record<string, unknown> }[] = [];
    await expect(toPromise(fanOutStrategy(created)(type, ops))).resolves.toBe("PROCESSING");
    expect(created.map((b) => b.key)).toEqual(["k0", "k2"]);
  });
});

describe("fan-in strategy", () => {
  it("merges the recorded outcomes of every branch, without running any", async () => {
    const { type, merged } = composite(2);
    const { ops, calls } = fakeOps({ recorded: { k0: "SUCCESS", k1: "FAIL" } });
    await expect(toPromise(fanInStrategy(type, ops))).resolves.toBe("FAIL");
    expect(calls).toEqual(["recorded k0", "recorded k1"]);
    expect(merged[0]!.map((o) => o.status)).toEqual(["SUCCESS", "FAIL"]);
  });

  it("rejects while a branch has not finished, before merging", async () => {
    const { type, merged } = composite(2);
    const { ops } = fakeOps({ recorded: { k0: "SUCCESS", k1: "PROCESSING" } });
    await expect(toPromise(fanInStrategy(type, ops))).rejects.toMatchObject({ code: "E_FAN_IN_UNFINISHED" });
    expect(merged).toHaveLength(0);
  });
});

describe("fan-next and in-order fan-in (dependent branches, a loop run by an orchestrator)", () => {
  // Like a loop: stops after a failed branch.
  const loop = () => composite(4, { fannable: false, request: (i, previous) => (previous && previous.status !== "SUCCESS" ? undefined : { key: `k${i}`, graph: GRAPH, parameters: {}, iterVars: { i } }) });

  it("opens the first branch that has not finished, one at a time, and nothing once they are done", async () => {
    const next = async (recorded: Record<string, Status>) => {
      const created: { key: string; iterVars: Record<string, unknown> }[] = [];
      const { ops, calls } = fakeOps({ recorded });
      await expect(toPromise(fanNextStrategy(created)(loop().type, ops))).resolves.toBe("PROCESSING");
      return { keys: created.map((b) => b.key), calls };
    };
    expect(await next({})).toEqual({ keys: ["k0"], calls: ["recorded k0", "reopen k0"] });
    expect((await next({ k0: "SUCCESS" })).keys).toEqual(["k1"]);
    // A failed branch is opened again (a retried run goes over it again).
    expect((await next({ k0: "SUCCESS", k1: "FAIL" })).keys).toEqual(["k1"]);
    expect((await next({ k0: "SUCCESS", k1: "SUCCESS", k2: "SUCCESS", k3: "SUCCESS" })).keys).toEqual([]);
  });

  it("merges the recorded outcomes in order, each request made from the one before", async () => {
    const { type, merged } = loop();
    const { ops } = fakeOps({ recorded: { k0: "SUCCESS", k1: "FAIL" } });
    await expect(toPromise(fanInOrderStrategy(type, ops))).resolves.toBe("FAIL");
    expect(merged[0]?.map((o) => o.internalName)).toEqual(["c.k0", "c.k1"]);
  });
});

