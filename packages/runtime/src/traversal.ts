import {
  diffParameters,
  isPromiseLike,
  type Awaitable,
  type BranchLog,
  isComposite,
  newAttempt,
  newStepLog,
  ownerStepOf,
  parentBranchOf,
  RunnableError,
  type BranchOutcome,
  type BranchRequest,
  type CompositeNodeType,
  type LeafNodeType,
  type CodeIdentity,
  type GraphDef,
  type IterVars,
  type NodeDef,
  type NodeType,
  type Parameters,
  type RunServices,
  type Status,
  type StepAttempt,
  type StepLog,
  type TaskNodeDef,
  type TaskType,
  type TraversalPolicy,
} from "@runnable-ts/sdk";
import { drive, start, Suspended, then, toPromise, type Co } from "./co";
import { withTerminals } from "./graph-check";
import { Limiter } from "./limiter";
import { messageOf } from "./redact";
import { StepContextImpl, type StepHost } from "./step-context";
import { fanInOrderStrategy, fanInStrategy, fanNextStrategy, fanOutStrategy, runStrategy, type BranchOps, type FannedBranch, type Strategy } from "./strategies";
import { retryDelay } from "./retry-delay";
import type { RetryFrom } from "./retry-from";
import { attempt as attemptOf, recordAttempt, scopeParameters, setScopeParameters, type ScopedRequest } from "./task-runner";

/** What a traversal needs: the run's services and the node and task types the graph uses. */
export interface TraversalDeps {
  services: RunServices;
  nodeTypes: ReadonlyMap<string, NodeType>;
  /** The task type of a name (created on first use, then returned as it is); rejects for an unknown name. */
  taskType(name: string): TaskType | Promise<TaskType>;
  policy: TraversalPolicy;
  codeIdentities(): CodeIdentity[] | Promise<CodeIdentity[]>;
  /** True when re-running a run whose log exists (step logs are reused, attempts appended). */
  retry: boolean;
  /** True when the graph has composite steps (without them no two tasks can ever overlap). */
  hasComposites: boolean;
  /** When resuming a suspended run: the suspended step this run resumes and its data (see `resume.ts`). */
  resume?: { step: string; data?: unknown } | undefined;
  /** `retry --from`: the steps and branches to run again even though they succeeded. */
  from?: RetryFrom | undefined;
}

/**
 * Walks graphs: success → `next`, failure → `on_failure` or the graph's `fail` step. A leaf
 * step runs its node type's `execute`; a composite step is carried out by a strategy over its
 * node type's phases (`branches`, then the branches, then `merge`): run here, fan out or fan in
 * (see `strategies.ts`). Task steps are bounded by one limiter per run (`maxConcurrency`),
 * whatever the nesting.
 */
export class Traversal implements StepHost {
  private readonly taskSlots: Limiter;

  /** How console output is captured: per task when tasks can overlap, else with a plain variable. */
  private readonly concurrentCapture: boolean | "off";

  /** Running composites here, by the policy. */
  private readonly running: Strategy;

  /**
   * The run's cancellation as a plain flag, read where the run's signal would be: on Node 20
   * every AbortSignal has a hidden class of its own, so reading `signal.aborted` in code that
   * every run shares deoptimizes that code at the first step of each new run.
   */
  private readonly cancel = { aborted: false };

  /**
   * What the walk asks of each node type, by type name, in one shape: reading `terminal` or
   * `branches` off node type objects of different shapes makes those reads polymorphic, and the
   * first terminal or composite to come along (a chain's last step) deoptimizes the walk.
   */
  private readonly kinds = new Map<string, NodeKind>();

  constructor(private readonly deps: TraversalDeps) {
    for (const [name, type] of deps.nodeTypes) this.kinds.set(name, { type, terminal: isComposite(type) ? undefined : type.terminal, composite: isComposite(type) });
    const signal = deps.services.signal;
    if (signal.aborted) this.cancel.aborted = true;
    else signal.addEventListener("abort", () => (this.cancel.aborted = true), { once: true });
    this.taskSlots = new Limiter(Math.max(1, deps.policy.maxConcurrency));
    const overlap = deps.policy.concurrentBranches && deps.policy.maxConcurrency > 1 && deps.hasComposites;
    this.concurrentCapture = overlap ? (deps.policy.captureConsole === false ? "off" : true) : false;
    this.running = runStrategy(deps.policy);
  }

  /**
   * `fan out` / `fan in` of a composite step, for orchestrators that run branches as separate
   * jobs: out creates the step and branch logs and resolves to the branches to run (the step
   * stays PROCESSING); in reads their outcomes, merges or reduces their parameters, and records
   * the step's status (FAIL, with the reason, when a branch has not finished).
   * @throws RunnableError `E_NOT_FANNABLE` for a leaf step or a composite that is not fannable (a loop).
   */
  async fan(node: NodeDef, scope: string, iterVars: IterVars, mode: "out" | "in" | "next"): Promise<{ status: Status; branches: FannedBranch[] }> {
    const internalName = scope ? `${scope}.${node.name}` : node.name;
    const type = this.kindOf(node, internalName).type;
    if (isComposite(type) && !type.fannable && mode !== "out") {
      // Dependent branches (a loop): one at a time (`next`), then in order (`in`).
      const branches: FannedBranch[] = [];
      const status = await toPromise(this.step(node, scope, iterVars, mode === "next" ? fanNextStrategy(branches) : fanInOrderStrategy));
      return { status, branches };
    }
    if (!isComposite(type) || !type.fannable || mode === "next")
      throw new RunnableError(
        "E_NOT_FANNABLE",
        isComposite(type)
          ? `step ${internalName} (${node.type}) cannot be fanned out: each of its branches depends on the one before; run it in one process (runnable execute-single-node)`
          : `step ${internalName} (${node.type}) has no branches to fan out; run it with runnable execute-single-node`,
        { step: internalName, type: node.type },
      );
    const branches: FannedBranch[] = [];
    const status = await toPromise(this.step(node, scope, iterVars, mode === "out" ? fanOutStrategy(branches) : fanInStrategy));
    return { status, branches };
  }

  /** What each running branch inherited from its parent scope when it started. */
  private readonly inherited = new Map<string, Parameters>();

  /**
   * The parameters visible in a scope: the root's, or for a branch what it inherited from its
   * parent scope overlaid with what the branch itself holds. (A branch not started by this
   * traversal, e.g. in another process, inherits its parent's current parameters.)
   */
  effective(scope: string): Awaitable<Parameters> {
    const { store, runId } = this.deps.services;
    if (scope === "") return store.getParameters(runId);
    const overlay = (inherited: Parameters): Awaitable<Parameters> => then(store.getParameters(runId, scope), (own) => ({ ...inherited, ...own }));
    const inherited = this.inherited.get(scope);
    return inherited ? overlay(inherited) : then(this.effective(parentBranchOf(ownerStepOf(scope))), overlay);
  }

  /**
   * Runs `graph` (with its implicit terminals) as the branch `scope` ("" for the root) and
   * resolves to its final status. On a retry, the steps of the graph this walk did not reach
   * that an earlier run recorded are marked superseded when the walk ends.
   */
  runGraph(input: GraphDef, scope: string, iterVars: IterVars): Promise<Status> {
    return toPromise(this.graph(input, scope, iterVars));
  }

  private *graph(input: GraphDef, scope: string, iterVars: IterVars): Co<Status> {
    const { nodeTypes } = this.deps;
    const graph = withTerminals(input);
    const visited = this.deps.retry ? new Set<string>() : undefined;
    let name = graph.start_at;
    for (;;) {
      const node = graph.steps[name];
      if (!node) throw new RunnableError("E_GRAPH_INVALID", `graph ${scope || "(root)"} has no step "${name}"`, { step: scope ? `${scope}.${name}` : name });
      visited?.add(name);
      if (this.cancel.aborted) {
        yield this.recordCancelled(node, scope);
        return "FAIL";
      }
      const terminal = this.kinds.get(node.type)?.terminal;
      let status: Status;
      if (terminal && !this.deps.retry && !this.stepEvents) {
        const ended = this.terminalStep(node, scope, iterVars);
        status = isPromiseLike(ended) ? ((yield ended) as Status) : ended;
      } else status = yield* this.step(node, scope, iterVars, this.running);
      // Nothing after a suspended step starts: the graph waits for a resume.
      if (status === "SUSPENDED") return status;
      if (terminal) {
        if (visited) yield this.markSuperseded(graph, scope, visited, node.name);
        return terminal === "success" ? "SUCCESS" : "FAIL";
      }
      name = status === "SUCCESS" ? (node.next ?? "") : (node.on_failure ?? failStepOf(graph, nodeTypes, scope));
    }
  }

  /**
   * After a retry walked a graph to `end`, marks the steps an earlier run recorded there and
   * this walk did not reach (e.g. the `fail` step where the first run ended) as superseded, in
   * their message, so the run log cannot be read as ending in both.
   */
  private async markSuperseded(graph: GraphDef, scope: string, visited: ReadonlySet<string>, end: string): Promise<void> {
    const { store, runId } = this.deps.services;
    const at = (name: string): string => (scope ? `${scope}.${name}` : name);
    for (const name of Object.keys(graph.steps)) {
      if (visited.has(name)) continue;
      const stale = await store.getStepLog(runId, at(name));
      if (!stale || stale.message.startsWith(SUPERSEDED)) continue;
      stale.message = `${SUPERSEDED} a retry of this run did not reach this step: it ended its graph at "${at(end)}"${stale.message ? ` (was: ${stale.message})` : ""}`;
      await store.putStepLog(runId, stale);
    }
  }

  /** Records the step a cancelled run did not start, so the run log says where it stopped. */
  private recordCancelled(node: NodeDef, scope: string): Awaitable<void> {
    const { services } = this.deps;
    const stepLog = newStepLog(node.name, scope ? `${scope}.${node.name}` : node.name, node.type);
    stepLog.status = "FAIL";
    stepLog.message = cancelledMessage(services.signal);
    return services.store.putStepLog(services.runId, stepLog);
  }

  /** Runs one step of `scope` (its step log, its node type), as `runGraph` does for each. */
  runStep(node: NodeDef, scope: string, iterVars: IterVars): Promise<Status> {
    return toPromise(this.step(node, scope, iterVars, this.running));
  }

  private kindOf(node: NodeDef, internalName: string): NodeKind {
    const kind = this.kinds.get(node.type);
    if (!kind) throw new RunnableError("E_GRAPH_INVALID", `no node type "${node.type}" for step ${internalName}`, { step: internalName, type: node.type });
    return kind;
  }

  /**
   * One step: its step log around its node type's `execute`, or around `strategy` for a
   * composite. (What does not wait is in plain methods: this generator's frame is kept while
   * the step runs, for every map iteration in flight.)
   */
  private *step(node: NodeDef, scope: string, iterVars: IterVars, strategy: Strategy): Co<Status> {
    const { services } = this.deps;
    const internalName = scope ? `${scope}.${node.name}` : node.name;
    const kind = this.kindOf(node, internalName);
    const previous = this.deps.retry ? ((yield services.store.getStepLog(services.runId, internalName)) as StepLog | undefined) : undefined;
    const skipped = previous && this.skippedOnRetry(previous, kind, internalName);
    if (skipped) return skipped;
    const stepLog: StepLog = previous ?? newStepLog(node.name, internalName, node.type);
    stepLog.status = "PROCESSING";
    stepLog.message = "";
    // Terminal steps finish at once: their PROCESSING state is not worth a write.
    // (A write that answers at once is not yielded: no suspension, no iterator result.)
    const opened = kind.terminal ? undefined : services.store.putStepLog(services.runId, stepLog);
    if (opened) yield opened;
    const stepEvents = this.stepEvents;
    // A listener that is behind (a stream's consumer) holds the step: with steps that never wait,
    // nothing else would let the consumer catch up, and its buffer would grow without bound.
    if (stepEvents) yield heard(services.emit({ type: "step_started", step: internalName, step_type: node.type }));
    const context = new StepContextImpl(this, node, internalName, scope, iterVars, stepLog);
    let status: Status;
    try {
      if (kind.composite) status = yield* strategy(kind.type as CompositeNodeType, this.branchOps(context));
      else {
        const executed = (kind.type as LeafNodeType).execute(context);
        // A task step's attempts that wait (runTask, passed through by the node type) go on inline.
        if (executed instanceof Suspended) status = yield* (executed as Suspended<Status>).rest();
        else {
          context.goOnUnclaimed();
          status = isPromiseLike(executed) ? ((yield executed) as Status) : executed;
        }
      }
    } catch (error) {
      status = "FAIL";
      stepLog.message = messageOf(error);
    }
    // A fan-out leaves the step PROCESSING, for the fan-in to finish.
    if (status === "PROCESSING") return status;
    const written = this.finished(stepLog, status);
    if (written) yield written;
    const listened = this.announced(stepLog, stepEvents);
    if (listened) yield listened;
    return status;
  }

  /** True when listeners want step events (then every step goes through {@link step}). */
  private get stepEvents(): boolean {
    const { services } = this.deps;
    return services.observed && services.detail?.steps !== false;
  }

  /**
   * A terminal step (`success`, `fail`) of a run that is no retry, without step events: what
   * {@link step} does for it, as a plain call — one per branch of a map, so no coroutine is made
   * for it when its node type and the store answer at once.
   */
  private terminalStep(node: NodeDef, scope: string, iterVars: IterVars): Awaitable<Status> {
    const internalName = scope ? `${scope}.${node.name}` : node.name;
    const kind = this.kindOf(node, internalName);
    const stepLog = newStepLog(node.name, internalName, node.type);
    stepLog.status = "PROCESSING";
    let executed: Awaitable<Status>;
    try {
      executed = (kind.type as LeafNodeType).execute(new StepContextImpl(this, node, internalName, scope, iterVars, stepLog));
    } catch (error) {
      return this.terminalEnded(stepLog, "FAIL", messageOf(error));
    }
    if (isPromiseLike(executed))
      return executed.then(
        (status) => this.terminalEnded(stepLog, status),
        (error: unknown) => this.terminalEnded(stepLog, "FAIL", messageOf(error)),
      );
    return this.terminalEnded(stepLog, executed);
  }

  private terminalEnded(stepLog: StepLog, status: Status, message?: string): Awaitable<Status> {
    if (message !== undefined) stepLog.message = message;
    if (status === "PROCESSING") return status;
    const written = this.finished(stepLog, status);
    if (!isPromiseLike(written)) {
      void this.announced(stepLog, false);
      return status;
    }
    return written.then(() => {
      void this.announced(stepLog, false);
      return status;
    });
  }

  /** On a retry, the status a step keeps without running again (it succeeded; another step's suspension), else undefined. */
  private skippedOnRetry(previous: StepLog, kind: NodeKind, internalName: string): Status | undefined {
    const { services } = this.deps;
    if (previous.status === "SUCCESS" && !kind.terminal && !this.deps.from?.forcesStep(internalName)) {
      // A retry skips what already succeeded (terminal steps run again: they set the status).
      if (services.observed) services.emit({ type: "step_skipped", step: internalName, reason: "already successful" });
      return "SUCCESS";
    }
    if (previous.status === "SUSPENDED" && !kind.composite && this.deps.resume?.step !== internalName) {
      // Another suspended step: it waits for its own resume.
      if (services.observed) services.emit({ type: "step_skipped", step: internalName, reason: "suspended: waiting for its own resume" });
      return "SUSPENDED";
    }
    return undefined;
  }

  /** Records a step's outcome (its step log's status and message): the store's write. */
  private finished(stepLog: StepLog, status: Status): Awaitable<void> {
    const { services } = this.deps;
    if (this.cancel.aborted && status !== "SUCCESS" && !stepLog.message.includes("cancelled")) stepLog.message = cancelledMessage(services.signal);
    stepLog.status = status;
    return services.store.putStepLog(services.runId, stepLog);
  }

  /** Once its outcome is written, emits a step's `step_suspended` and `step_completed` (with step events): what to wait for, if anything. */
  private announced(stepLog: StepLog, stepEvents: boolean): void | Promise<void> {
    const { services } = this.deps;
    if (services.observed && stepLog.status === "SUSPENDED") services.emit({ type: "step_suspended", step: stepLog.internal_name, payload: stepLog.attempts.at(-1)?.suspend_payload ?? null });
    return stepEvents ? heard(services.emit(completedEvent(stepLog))) : undefined;
  }

  /** The branch operations strategies use for one composite step. */
  private branchOps(step: StepContextImpl): BranchOps {
    // The step's scope does not change while its branches run (steps of a graph run one after
    // another): what each branch inherits is read once, shared and never changed.
    let inherited: Awaitable<Parameters> | undefined;
    const inheritedOf = (): Awaitable<Parameters> => {
      if (inherited === undefined) {
        const read = this.effective(step.scope);
        inherited = read;
        // Once read, the value itself: the branches after the first wait for nothing.
        if (isPromiseLike(read)) void read.then((value) => (inherited = value), () => undefined);
      }
      return inherited;
    };
    return {
      context: step,
      cancel: this.cancel,
      run: (request) => drive(this.branch(step, request, inheritedOf)),
      open: async (request) => {
        const name = this.branchName(step, request);
        const { store, runId } = this.deps.services;
        // A retried run fans out again: a branch that succeeded is neither reset nor run again.
        if ((await store.getBranchLog(runId, name))?.status === "SUCCESS") return false;
        await this.openBranch(request, name, await inheritedOf());
        return true;
      },
      reopen: async (request) => {
        await this.openBranch(request, this.branchName(step, request), await inheritedOf());
      },
      recorded: (request) => this.recordedBranch(step, request, inheritedOf),
    };
  }

  private branchName(step: StepContextImpl, request: BranchRequest): string {
    if (request.key === "" || request.key.includes("."))
      throw new RunnableError("E_BRANCH_INVALID", `branch key "${request.key}" of ${step.internalName} must be non-empty and may not contain "."`, { step: step.internalName, type: step.node.type });
    return `${step.internalName}.${request.key}`;
  }

  /**
   * Creates a branch's log (PROCESSING). The branch inherits its parent's scope by reference:
   * only what differs from it (a loop's carried values) is stored with the branch, never a copy
   * of every parent parameter.
   */
  private openBranch(request: BranchRequest, name: string, inherited: Parameters): Awaitable<void> {
    const { store, runId } = this.deps.services;
    return store.putBranchLog(runId, { internal_name: name, status: "PROCESSING", steps: {}, parameters: diffParameters(inherited, request.parameters) });
  }

  /** One branch run here: its log, its graph, its outcome (on a retry, a succeeded branch is not run again). */
  private *branch(step: StepContextImpl, request: BranchRequest, inheritedOf: () => Awaitable<Parameters>): Co<BranchOutcome> {
    const name = this.branchName(step, request);
    if (this.deps.retry) {
      const done = yield* this.succeededBefore(name, inheritedOf);
      if (done) return done;
    }
    const read = inheritedOf();
    const inherited = isPromiseLike(read) ? ((yield read) as Parameters) : read;
    const opened = this.openBranch(request, name, inherited);
    if (opened) yield opened;
    this.inherited.set(name, inherited);
    try {
      const status = yield* this.graph(request.graph, name, branchIterVars(step.iterVars, request.iterVars));
      const { store, runId } = this.deps.services;
      const ownRead = store.getParameters(runId, name);
      const own = isPromiseLike(ownRead) ? ((yield ownRead) as Parameters) : ownRead;
      const closed = store.putBranchLog(runId, { internal_name: name, status, steps: {}, parameters: own });
      if (closed) yield closed;
      return new Outcome(name, status, inherited, own);
    } finally {
      this.inherited.delete(name);
    }
  }

  /** On a retry, the outcome of a branch that succeeded before (it is not run again), else undefined. */
  private *succeededBefore(name: string, inheritedOf: () => Awaitable<Parameters>): Co<BranchOutcome | undefined> {
    const { services } = this.deps;
    const done = (yield services.store.getBranchLog(services.runId, name)) as BranchLog | undefined;
    if (done?.status !== "SUCCESS" || this.deps.from?.forcesBranch(name)) return undefined;
    if (services.observed) services.emit({ type: "step_skipped", step: name, reason: "branch already successful" });
    return new Outcome(name, done.status, (yield inheritedOf()) as Parameters, done.parameters);
  }

  /** The recorded outcome of a branch run elsewhere (fan-in). */
  private async recordedBranch(step: StepContextImpl, request: BranchRequest, inheritedOf: () => Awaitable<Parameters>): Promise<BranchOutcome> {
    const name = this.branchName(step, request);
    const done = await this.deps.services.store.getBranchLog(this.deps.services.runId, name);
    if (done?.status !== "SUCCESS" && done?.status !== "FAIL")
      throw new RunnableError("E_FAN_IN_UNFINISHED", `fan in: branch ${name} has not finished (${done?.status ?? "never started"}); run its steps first`, { step: name });
    return new Outcome(name, done.status, await inheritedOf(), done.parameters);
  }

  /** `StepContext.runTask`. @internal */
  runTaskOf(step: StepContextImpl): Awaitable<Status> {
    return this.runTask(step.node as TaskNodeDef, step.internalName, step.scope, step.iterVars, step.stepLog);
  }

  /** The run's services. @internal */
  get services(): RunServices {
    return this.deps.services;
  }


  private runTask(node: TaskNodeDef, internalName: string, scope: string, iterVars: IterVars, stepLog: StepLog): Awaitable<Status> {
    const { policy } = this.deps;
    // Started, not driven: where the attempts wait, the step that gets them runs the rest inline.
    if (!policy.taskMiddleware) return start(this.attempts(node, internalName, scope, iterVars, stepLog)) as Awaitable<Status>;
    const execute = (effective: NodeDef = node): Promise<Status> => toPromise(this.attempts(effective as TaskNodeDef, internalName, scope, iterVars, stepLog));
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
    return toPromise(this.attempts(node, "job", "", {}, log, false));
  }

  private *attempts(node: TaskNodeDef, internalName: string, scope: string, iterVars: IterVars, stepLog: StepLog, persist = true): Co<Status> {
    const typeOf = this.deps.taskType(node.command_type);
    const taskType = isPromiseLike(typeOf) ? ((yield typeOf) as TaskType) : typeOf;
    const first = stepLog.attempts.length + 1;
    const last = first + Math.max(1, node.max_attempts ?? 1) - 1;
    let request = this.attemptRequest(node, internalName, scope, iterVars, stepLog, taskType, first, persist);
    for (;;) {
      const n = request.attemptNumber;
      const delay = n > first ? retryDelay(node.retry_delay_ms, node.retry, n - first) : 0;
      if (delay > 0) yield sleep(delay, this.deps.services.signal);
      if (this.cancel.aborted && n > first) return "FAIL";
      // A free slot is taken at once; only a full run waits for one.
      if (!this.taskSlots.tryAcquire()) yield this.taskSlots.acquire();
      let attempt: StepAttempt;
      try {
        attempt = yield* attemptOf(request);
      } finally {
        this.taskSlots.release();
      }
      const status = recordAttempt(stepLog, node, attempt, n > first ? delay : undefined, n < last);
      if (status !== undefined) return status;
      if (persist) yield this.deps.services.store.putStepLog(this.deps.services.runId, stepLog);
      // A new request per retry: the attempt before may still hold its own (a task left behind).
      request = { ...request, attemptNumber: n + 1 };
    }
  }

  private attemptRequest(node: TaskNodeDef, internalName: string, scope: string, iterVars: IterVars, stepLog: StepLog, taskType: TaskType, attemptNumber: number, persist: boolean): ScopedRequest {
    const { services, resume } = this.deps;
    return {
      node,
      internalName,
      iterVars,
      attemptNumber,
      stepLog,
      services,
      taskType,
      traversal: this,
      scope,
      getParameters: scopeParameters,
      setParameters: setScopeParameters,
      codeIdentities: this.deps.codeIdentities,
      concurrent: this.concurrentCapture,
      cancel: this.cancel,
      resume: resume?.step === internalName ? { data: resume.data } : undefined,
      suspendable: persist,
    };
  }
}

/** The `step_completed` event of a finished step. */
function completedEvent(stepLog: StepLog): { type: string; step: string; status: Status; message?: string } {
  const completed: { type: string; step: string; status: Status; message?: string } = { type: "step_completed", step: stepLog.internal_name, status: stepLog.status };
  if (stepLog.message) completed.message = stepLog.message;
  return completed;
}

/** A node type with what the walk asks of it (see `Traversal.kinds`). */
interface NodeKind {
  readonly type: NodeType;
  readonly terminal: "success" | "fail" | undefined;
  readonly composite: boolean;
}

/**
 * A branch's outcome. Its `parameters` (inherited overlaid with its own) are made when first
 * read: a map's merge reads `own`, and 10,000 iterations would otherwise keep 10,000 copies of
 * the scope until the merge.
 */
class Outcome implements BranchOutcome {
  private merged: Parameters | undefined;

  constructor(
    readonly internalName: string,
    readonly status: Status,
    private readonly inherited: Parameters,
    readonly own: Parameters,
  ) {}

  get parameters(): Parameters {
    return (this.merged ??= Object.assign({}, this.inherited, this.own));
  }
}

/** A branch's map variables / loop index: its own over the step's. */
function branchIterVars(outer: IterVars, own: IterVars | undefined): IterVars {
  return !own ? outer : isEmpty(outer) ? own : Object.assign({}, outer, own);
}

function isEmpty(record: object): boolean {
  for (const _ in record) return false;
  return true;
}

/**
 * What a step waits for after emitting a step event: the listener's promise when it returned
 * one (a stream's consumer that is behind), its failure ignored — a listener that fails does not
 * fail the step.
 */
function heard(pending: void | Promise<void>): void | Promise<void> {
  return pending ? pending.then(undefined, () => undefined) : undefined;
}

/** How a superseded step's message starts. */
const SUPERSEDED = "superseded:";

function cancelledMessage(signal: AbortSignal): string {
  return `cancelled: ${messageOf(signal.reason ?? "the run was cancelled")}`;
}

function failStepOf(graph: GraphDef, nodeTypes: ReadonlyMap<string, NodeType>, scope: string): string {
  const fail = Object.values(graph.steps).find((s) => nodeTypes.get(s.type)?.terminal === "fail");
  if (!fail) throw new RunnableError("E_GRAPH_INVALID", `graph ${scope || "(root)"} has no step of a fail type to route a failure to`, { step: scope });
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
