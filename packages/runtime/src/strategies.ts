import { isPromiseLike, RunnableError, type Awaitable, type BranchOutcome, type BranchRequest, type BranchSet, type CompositeNodeType, type IterVars, type Status, type StepContext } from "@runnable-ts/sdk";
import { then, type Co } from "./co";
import { pool } from "./limiter";

/**
 * What a strategy may do with the branches of one composite step; the traversal provides it
 * (branch logs, scopes, retry skips), so strategies never touch the store themselves.
 */
export interface BranchOps {
  /** The composite step. */
  readonly context: StepContext;
  /** `aborted` once the run is cancelled (a plain flag: see `Traversal.cancel`). */
  readonly cancel: { readonly aborted: boolean };
  /** Runs a branch to its end (on a retry, a branch that succeeded answers its recorded outcome); synchronously when nothing in it waits. */
  run(request: BranchRequest): BranchOutcome | PromiseLike<BranchOutcome>;
  /**
   * Creates the branch's log (PROCESSING) without running it: someone else will. Resolves to
   * false, creating nothing, for a branch that already succeeded (a retried run's fan-out).
   */
  open(request: BranchRequest): Promise<boolean>;
  /** Creates the branch's log (PROCESSING) whatever it holds (a branch to run again). */
  reopen(request: BranchRequest): Promise<void>;
  /** The recorded outcome of a finished branch; rejects with `E_FAN_IN_UNFINISHED` otherwise. */
  recorded(request: BranchRequest): Promise<BranchOutcome>;
}

/**
 * How a composite step is carried out over its node type's phases: a coroutine (see `co.ts`)
 * ending with the step's status; `PROCESSING` means the step is left for a later strategy
 * (fan-out, then fan-in).
 */
export type Strategy = (type: CompositeNodeType, ops: BranchOps) => Co<Status>;

/** How branches are scheduled when they are run in this process. */
export interface RunPolicy {
  /** Independent branches run concurrently (a bounded pool) rather than one at a time. */
  readonly concurrentBranches: boolean;
  /** Width of that pool. */
  readonly maxConcurrency: number;
}

/** A branch created by a fan-out, for the orchestrator to run: its key and map/loop variables. */
export interface FannedBranch {
  key: string;
  iterVars: IterVars;
}

/**
 * Running: `branches`, then every branch here — independent ones one at a time or in a bounded
 * pool by the policy, dependent ones (not fannable) in order, each request made after the
 * previous branch ended — then `merge`. A run cancelled meanwhile fails the step unmerged.
 */
export function runStrategy(policy: RunPolicy): Strategy {
  // One strategy per policy for the whole process: a function made per run would be a new call
  // target for the traversal's optimized code at each run (a deoptimization per run).
  const key = `${policy.concurrentBranches} ${policy.maxConcurrency}`;
  let strategy = strategies.get(key);
  if (!strategy) strategies.set(key, (strategy = makeRunStrategy(policy.concurrentBranches, policy.maxConcurrency)));
  return strategy;
}

const strategies = new Map<string, Strategy>();

function makeRunStrategy(concurrentBranches: boolean, maxConcurrency: number): Strategy {
  const policy = { concurrentBranches, maxConcurrency };
  return function* (type, ops) {
    const set = (yield type.branches(ops.context)) as BranchSet;
    let outcomes: BranchOutcome[];
    if (!type.fannable) outcomes = yield* runInOrder(set, ops);
    else if (policy.concurrentBranches) outcomes = (yield pool(set.count, policy.maxConcurrency, (i) => runIndependent(set, i, ops))) as BranchOutcome[];
    else {
      outcomes = [];
      for (let i = 0; i < set.count && !ops.cancel.aborted; i++) outcomes.push((yield runIndependent(set, i, ops)) as BranchOutcome);
    }
    if (ops.cancel.aborted) return "FAIL";
    // A suspended branch leaves the step suspended, unmerged, whatever the others did: the
    // resume re-enters it (succeeded branches are skipped, failed ones run again).
    if (outcomes.some((o) => o.status === "SUSPENDED")) return "SUSPENDED";
    return (yield type.merge(ops.context, outcomes)) as Status;
  };
}

/**
 * Fan-out: `branches`, then a log for each branch (none is run); resolves to `PROCESSING`
 * and adds the created branches to `created`. Only for fannable composites.
 */
export function fanOutStrategy(created: FannedBranch[]): Strategy {
  return function* (type, ops) {
    const set = (yield type.branches(ops.context)) as BranchSet;
    for (let i = 0; i < set.count; i++) {
      const request = (yield independent(set, i, ops)) as BranchRequest;
      if ((yield ops.open(request)) as boolean) created.push({ key: request.key, iterVars: { ...ops.context.iterVars, ...request.iterVars } });
    }
    return "PROCESSING";
  };
}

/**
 * Fan-next, for composites whose branches depend on each other (a loop), run one branch at a
 * time by an orchestrator: walks the branches recorded so far (each request made from the
 * previous outcome) and opens the first one that has not finished — or ended FAIL, when a
 * retried run goes over it again — adding it to `created`; adds nothing when the branches are
 * done. Resolves to `PROCESSING`.
 */
export function fanNextStrategy(created: FannedBranch[]): Strategy {
  return function* (type, ops) {
    const set = (yield type.branches(ops.context)) as BranchSet;
    let previous: BranchOutcome | undefined;
    for (let i = 0; i < set.count; i++) {
      const request = (yield set.request(i, previous)) as BranchRequest | undefined;
      if (!request) break;
      const recorded = (yield ops.recorded(request).catch(() => undefined)) as BranchOutcome | undefined;
      if (!recorded || recorded.status === "FAIL") {
        yield ops.reopen(request);
        created.push({ key: request.key, iterVars: { ...ops.context.iterVars, ...request.iterVars } });
        break;
      }
      previous = recorded;
    }
    return "PROCESSING";
  };
}

/** Fan-in of dependent branches (a loop): the recorded outcomes in order, each request made from the one before, then `merge`. */
export const fanInOrderStrategy: Strategy = function* (type, ops) {
  const set = (yield type.branches(ops.context)) as BranchSet;
  const outcomes: BranchOutcome[] = [];
  let previous: BranchOutcome | undefined;
  for (let i = 0; i < set.count; i++) {
    const request = (yield set.request(i, previous)) as BranchRequest | undefined;
    if (!request) break;
    previous = (yield ops.recorded(request)) as BranchOutcome;
    outcomes.push(previous);
  }
  return (yield type.merge(ops.context, outcomes)) as Status;
};

/**
 * Fan-in: `branches` again (they depend only on the step's scope), the recorded outcome of
 * each (every one must have finished), then `merge`. Only for fannable composites.
 */
export const fanInStrategy: Strategy = function* (type, ops) {
  const set = (yield type.branches(ops.context)) as BranchSet;
  const outcomes: BranchOutcome[] = [];
  for (let i = 0; i < set.count; i++) outcomes.push((yield ops.recorded((yield independent(set, i, ops)) as BranchRequest)) as BranchOutcome);
  return (yield type.merge(ops.context, outcomes)) as Status;
};

function* runInOrder(set: BranchSet, ops: BranchOps): Co<BranchOutcome[]> {
  const outcomes: BranchOutcome[] = [];
  let previous: BranchOutcome | undefined;
  for (let i = 0; i < set.count && !ops.cancel.aborted; i++) {
    const request = (yield set.request(i, previous)) as BranchRequest | undefined;
    if (!request) break;
    previous = (yield ops.run(request)) as BranchOutcome;
    outcomes.push(previous);
    if (previous.status === "SUSPENDED") break;
  }
  return outcomes;
}

/** Runs branch `index` of a fannable set (a request made synchronously costs no promise). */
function runIndependent(set: BranchSet, index: number, ops: BranchOps): BranchOutcome | PromiseLike<BranchOutcome> {
  const request = set.request(index, undefined);
  if (isPromiseLike(request)) return Promise.resolve(request).then((read) => ops.run(checked(read, set, index, ops)));
  return ops.run(checked(request, set, index, ops));
}

/** Request `index` of a fannable set, which must exist. */
function independent(set: BranchSet, index: number, ops: BranchOps): Awaitable<BranchRequest> {
  return then(set.request(index, undefined), (request) => checked(request, set, index, ops));
}

function checked(request: BranchRequest | undefined, set: BranchSet, index: number, ops: BranchOps): BranchRequest {
  if (!request)
    throw new RunnableError("E_BRANCH_INVALID", `step ${ops.context.internalName}: branch ${index} of ${set.count} has no request (only a composite that is not fannable may stop early)`, {
      step: ops.context.internalName,
      type: ops.context.node.type,
    });
  return request;
}
