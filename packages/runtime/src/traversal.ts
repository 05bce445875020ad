import {
  diffParameters,
  newAttempt,
  newStepLog,
  ownerStepOf,
  parentBranchOf,
  type BranchOutcome,
  type BranchRequest,
  type CodeIdentity,
  type GraphDef,
  type IterVars,
  type NodeDef,
  type NodeType,
  type Parameters,
  type RunServices,
  type Status,
  type StepContext,
  type StepLog,
  type TaskNodeDef,
  type TaskType,
  type TraversalPolicy,
} from "@runnable-ts/sdk";
import { Limiter, pool } from "./limiter";
import { messageOf } from "./redact";
import { runAttempt } from "./task-runner";

/** What a traversal needs: the run's services and the node and task types the graph uses. */
export interface TraversalDeps {
  services: RunServices;
  nodeTypes: ReadonlyMap<string, NodeType>;
  /** The task type of a name (created on first use); rejects for an unknown name. */
  taskType(name: string): Promise<TaskType>;
  policy: TraversalPolicy;
  codeIdentities(): Promise<CodeIdentity[]>;
  /** True when re-running a run whose log exists (step logs are reused, attempts appended). */
  retry: boolean;
  /** True when the graph has composite steps (without them no two tasks can ever overlap). */
  hasComposites: boolean;
}

/**
 * Walks graphs: success → `next`, failure → `on_failure` or the graph's `fail` step; composite
 * steps run their branches through the step context; task steps are bounded by one limiter
 * per run (`maxConcurrency`), whatever the nesting.
 */
export class Traversal {
  private readonly taskSlots: Limiter;

  /** How console output is captured: per task when tasks can overlap, else with a plain variable. */
  private readonly concurrentCapture: boolean | "off";

  constructor(private readonly deps: TraversalDeps) {
    this.taskSlots = new Limiter(Math.max(1, deps.policy.maxConcurrency));
    const overlap = deps.policy.concurrentBranches && deps.policy.maxConcurrency > 1 && deps.hasComposites;
    this.concurrentCapture = overlap ? (deps.policy.captureConsole === false ? "off" : true) : false;
  }

  /**
   * How branches are handled: run them (normal), only create their logs and stop (fan-out, for
   * an orchestrator that runs them elsewhere), or read their recorded outcomes (fan-in).
   */
  private fanMode: "run" | "out" | "in" = "run";
  private fannedOut: { key: string; iterVars: IterVars }[] = [];

  /**
   * `fan out` / `fan in` of a composite step, for orchestrators that run branches as separate
   * jobs: out creates the step and branch logs and resolves to the branches to run; in reads
   * their outcomes, merges or reduces their parameters, and records the step's status.
   * @throws Error for a step that is not composite or a branch that has not finished.
   */
  async fan(node: NodeDef, scope: string, iterVars: IterVars, mode: "out" | "in"): Promise<{ status: Status; branches: { key: string; iterVars: IterVars }[] }> {
    if (node.type === "loop") throw new Error(`loop steps decide their next iteration from the previous one and cannot be fanned out; run step ${node.name} in one process`);
    this.fanMode = mode;
    this.fannedOut = [];
    try {
      const status = await this.runStep(node, scope, iterVars);
      return { status, branches: this.fannedOut };
    } finally {
      this.fanMode = "run";
    }
  }

  /** What each running branch inherited from its parent scope when it started. */
  private readonly inherited = new Map<string, Parameters>();

  /**
   * The parameters visible in a scope: the root's, or for a branch what it inherited from its
   * parent scope overlaid with what the branch itself holds. (A branch not started by this
   * traversal, e.g. in another process, inherits its parent's current parameters.)
   */
  async effective(scope: string): Promise<Parameters> {
    const { store, runId } = this.deps.services;
    if (scope === "") return store.getParameters(runId);
    const inherited = this.inherited.get(scope) ?? (await this.effective(parentBranchOf(ownerStepOf(scope))));
    return { ...inherited, ...(await store.getParameters(runId, scope)) };
  }

  /** Runs `graph` as the branch `scope` ("" for the root) and resolves to its final status. */
  async runGraph(graph: GraphDef, scope: string, iterVars: IterVars): Promise<Status> {
    const { services } = this.deps;
    let name = graph.start_at;
    for (;;) {
      const node = graph.steps[name];
      if (!node) throw new Error(`graph ${scope || "(root)"} has no step "${name}"`);
      if (services.signal.aborted) {
        await this.recordCancelled(node, scope);
        return "FAIL";
      }
      const status = await this.runStep(node, scope, iterVars);
      const terminal = this.deps.nodeTypes.get(node.type)?.terminal;
      if (terminal) return terminal === "success" ? "SUCCESS" : "FAIL";
      name = status === "SUCCESS" ? (node.next ?? "") : (node.on_failure ?? failStepOf(graph, this.deps.nodeTypes));
    }
  }

  /** Records the step a cancelled run did not start, so the run log says where it stopped. */
  private async recordCancelled(node: NodeDef, scope: string): Promise<void> {
    const { services } = this.deps;
    const stepLog = newStepLog(node.name, scope ? `${scope}.${node.name}` : node.name, node.type);
    stepLog.status = "FAIL";
    stepLog.message = cancelledMessage(services.signal);
    await services.store.putStepLog(services.runId, stepLog);
  }

  /** Runs one step of `scope` (its step log, its node type), as `runGraph` does for each. */
  async runStep(node: NodeDef, scope: string, iterVars: IterVars): Promise<Status> {
    const { services } = this.deps;
    const internalName = scope ? `${scope}.${node.name}` : node.name;
    const type = this.deps.nodeTypes.get(node.type);
    if (!type) throw new Error(`no node type "${node.type}" for step ${internalName}`);
    const store = services.store;
    const previous = this.deps.retry ? await store.getStepLog(services.runId, internalName) : undefined;
    if (previous?.status === "SUCCESS" && !type.terminal) {
      // A retry skips what already succeeded (terminal steps run again: they set the status).
      if (services.observed) services.emit({ type: "step_skipped", step: internalName, reason: "already successful" });
      return "SUCCESS";
    }
    const stepLog: StepLog = previous ?? newStepLog(node.name, internalName, node.type);
    stepLog.status = "PROCESSING";
    stepLog.message = "";
    // Terminal steps finish at once: their PROCESSING state is not worth a write.
    if (!type.terminal) await store.putStepLog(services.runId, stepLog);
    if (services.observed) services.emit({ type: "step_started", step: internalName, step_type: node.type });
    let status: Status;
    try {
      status = await type.execute(this.context(node, internalName, scope, iterVars, stepLog));
    } catch (error) {
      if (error === FAN_OUT_DONE) return "PROCESSING";
      status = "FAIL";
      stepLog.message = messageOf(error);
    }
    if (services.signal.aborted && status !== "SUCCESS" && !stepLog.message.includes("cancelled")) stepLog.message = cancelledMessage(services.signal);
    stepLog.status = status;
    await store.putStepLog(services.runId, stepLog);
    if (services.observed) services.emit({ type: "step_completed", step: internalName, status, ...(stepLog.message ? { message: stepLog.message } : {}) });
    return status;
  }

  private context(node: NodeDef, internalName: string, scope: string, iterVars: IterVars, stepLog: StepLog): StepContext {
    return new StepContextImpl(this, node, internalName, scope, iterVars, stepLog);
  }

  /** `StepContext.runBranch` of a step: one branch, its log, its outcome. @internal */
  async runBranchOf(step: StepContextImpl, request: BranchRequest): Promise<BranchOutcome> {
    const { services } = this.deps;
    const store = services.store;
    const { internalName, scope, iterVars } = step;
    if (request.key.includes(".")) throw new Error(`branch key "${request.key}" of ${internalName} may not contain "."`);
    const branchName = `${internalName}.${request.key}`;
    if (this.fanMode === "in") {
      const done = await store.getBranchLog(services.runId, branchName);
      if (done?.status !== "SUCCESS" && done?.status !== "FAIL") throw new Error(`fan in: branch ${branchName} has not finished (${done?.status ?? "never started"})`);
      return { internalName: branchName, status: done.status, parameters: { ...(await this.effective(scope)), ...done.parameters } };
    }
    if (this.deps.retry) {
      const done = await store.getBranchLog(services.runId, branchName);
      if (done?.status === "SUCCESS") {
        if (services.observed) services.emit({ type: "step_skipped", step: branchName, reason: "branch already successful" });
        return { internalName: branchName, status: "SUCCESS", parameters: { ...(await this.effective(scope)), ...done.parameters } };
      }
    }
    // The branch inherits its parent's scope by reference: only what differs from it (a loop's
    // carried values) is stored with the branch, never a copy of every parent parameter.
    const inherited = await this.effective(scope);
    this.inherited.set(branchName, inherited);
    const own = diffParameters(inherited, request.parameters);
    await store.putBranchLog(services.runId, { internal_name: branchName, status: "PROCESSING", steps: {}, parameters: own });
    if (this.fanMode === "out") {
      this.fannedOut.push({ key: request.key, iterVars: { ...iterVars, ...request.iterVars } });
      throw FAN_OUT_DONE;
    }
    const status = await this.runGraph(request.graph, branchName, { ...iterVars, ...request.iterVars });
    const parameters = await store.getParameters(services.runId, branchName);
    await store.putBranchLog(services.runId, { internal_name: branchName, status, steps: {}, parameters });
    this.inherited.delete(branchName);
    return { internalName: branchName, status, parameters: { ...inherited, ...parameters } };
  }

  /** `StepContext.runBranches`: by the policy, sequential or a bounded pool. @internal */
  async runBranchesOf(step: StepContextImpl, count: number, request: (index: number) => BranchRequest | Promise<BranchRequest>): Promise<BranchOutcome[]> {
    const { services, policy } = this.deps;
    if (this.fanMode === "out") {
      for (let i = 0; i < count; i++)
        await this.runBranchOf(step, await request(i)).catch((e: unknown) => {
          if (e !== FAN_OUT_DONE) throw e;
        });
      throw FAN_OUT_DONE;
    }
    if (!policy.concurrentBranches) {
      const outcomes: BranchOutcome[] = [];
      for (let i = 0; i < count && !services.signal.aborted; i++) outcomes.push(await this.runBranchOf(step, await request(i)));
      return outcomes;
    }
    return pool(count, policy.maxConcurrency, async (i) => this.runBranchOf(step, await request(i)));
  }

  /** `StepContext.runTask`. @internal */
  runTaskOf(step: StepContextImpl): Promise<Status> {
    return this.runTask(step.node as TaskNodeDef, step.internalName, step.scope, step.iterVars, step.stepLog);
  }

  /** The run's services. @internal */
  get services(): RunServices {
    return this.deps.services;
  }


  private async runTask(node: TaskNodeDef, internalName: string, scope: string, iterVars: IterVars, stepLog: StepLog): Promise<Status> {
    const { policy } = this.deps;
    const execute = (effective: NodeDef = node): Promise<Status> => this.runAttempts(effective as TaskNodeDef, internalName, scope, iterVars, stepLog);
    if (!policy.taskMiddleware) return execute();
    const mock = async (): Promise<Status> => {
      stepLog.mock = true;
      stepLog.attempts.push(newAttempt({ attempt_number: stepLog.attempts.length + 1, status: "SUCCESS", retry_indicator: this.deps.services.retryIndicator }));
      return "SUCCESS";
    };
    return policy.taskMiddleware({ node, internalName, iterVars, stepLog, mock }, execute);
  }

  /**
   * Runs a job: the attempts of one task at the root scope, recorded on `log` only (a job has
   * no steps; the caller stores the log as the run's job log).
   */
  runJob(node: TaskNodeDef, log: StepLog): Promise<Status> {
    return this.runAttempts(node, "job", "", {}, log, false);
  }

  private async runAttempts(node: TaskNodeDef, internalName: string, scope: string, iterVars: IterVars, stepLog: StepLog, persist = true): Promise<Status> {
    const { services } = this.deps;
    const taskType = await this.deps.taskType(node.command_type);
    const first = stepLog.attempts.length + 1;
    const maxAttempts = Math.max(1, node.max_attempts ?? 1);
    let status: Status = "FAIL";
    for (let n = first; n < first + maxAttempts; n++) {
      if (n > first && node.retry_delay_ms > 0) await sleep(node.retry_delay_ms, services.signal);
      if (services.signal.aborted && n > first) break;
      const attempt = await this.taskSlots.run(() =>
        runAttempt({
          node,
          internalName,
          iterVars,
          attemptNumber: n,
          stepLog,
          services,
          taskType,
          getParameters: () => this.effective(scope),
          setParameters: (p) => services.store.setParameters(services.runId, p, scope),
          codeIdentities: this.deps.codeIdentities,
          concurrent: this.concurrentCapture,
        }),
      );
      stepLog.attempts.push(attempt);
      stepLog.message = attempt.message;
      status = attempt.status;
      if (status === "SUCCESS") break;
      if (persist && n + 1 < first + maxAttempts) await services.store.putStepLog(services.runId, stepLog);
    }
    return status;
  }
}

/**
 * The context a node type's `execute` gets. A class (methods on the prototype) rather than an
 * object of closures: one is made per step, so per-step allocations matter.
 */
class StepContextImpl implements StepContext {
  constructor(
    private readonly traversal: Traversal,
    readonly node: NodeDef,
    readonly internalName: string,
    readonly scope: string,
    readonly iterVars: IterVars,
    readonly stepLog: StepLog,
  ) {}

  get services(): RunServices {
    return this.traversal.services;
  }

  saveStepLog(): Promise<void> {
    return this.services.store.putStepLog(this.services.runId, this.stepLog);
  }

  getParameters(): Promise<Parameters> {
    return this.traversal.effective(this.scope);
  }

  setParameters(parameters: Parameters): Promise<void> {
    return this.services.store.setParameters(this.services.runId, parameters, this.scope);
  }

  runBranch(request: BranchRequest): Promise<BranchOutcome> {
    return this.traversal.runBranchOf(this, request);
  }

  runBranches(count: number, request: (index: number) => BranchRequest | Promise<BranchRequest>): Promise<BranchOutcome[]> {
    return this.traversal.runBranchesOf(this, count, request);
  }

  runTask(): Promise<Status> {
    return this.traversal.runTaskOf(this);
  }
}

/** Thrown through a composite's execute once its branches are created, in fan-out mode. */
const FAN_OUT_DONE = Symbol("fan-out done");

function cancelledMessage(signal: AbortSignal): string {
  return `cancelled: ${messageOf(signal.reason ?? "the run was cancelled")}`;
}

function failStepOf(graph: GraphDef, nodeTypes: ReadonlyMap<string, NodeType>): string {
  const fail = Object.values(graph.steps).find((s) => nodeTypes.get(s.type)?.terminal === "fail");
  if (!fail) throw new Error("graph has no fail step");
  return fail.name;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
