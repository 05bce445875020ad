import { RunnableError, type BranchOutcome, type BranchRequest, type BranchSet, type CompositeNodeType, type IterVars, type Status, type StepContext } from "@runnable-ts/sdk";
import { pool } from "./limiter";

/**
 * What a strategy may do with the branches of one composite step; the traversal provides it
 * (branch logs, scopes, retry skips), so strategies never touch the store themselves.
 */
export interface BranchOps {
  /** The composite step. */
  readonly context: StepContext;
  /** Aborted when the run is cancelled. */
  readonly signal: AbortSignal;
  /** Runs a branch to its end (on a retry, a branch that succeeded resolves to its recorded outcome). */
  run(request: BranchRequest): Promise<BranchOutcome>;
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
 * How a composite step is carried out over its node type's phases. Resolves to the step's
 * status; `PROCESSING` means the step is left for a later strategy (fan-out, then fan-in).
 */
export type Strategy = (type: CompositeNodeType, ops: BranchOps) => Promise<Status>;

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
  return async (type, ops) => {
    const set = await type.branches(ops.context);
    let outcomes: BranchOutcome[];
    if (!type.fannable) outcomes = await runInOrder(set, ops);
    else if (policy.concurrentBranches) outcomes = await pool(set.count, policy.maxConcurrency, (i) => runIndependent(set, i, ops));
    else {
      outcomes = [];
      for (let i = 0; i < set.count && !ops.signal.aborted; i++) outcomes.push(await runIndependent(set, i, ops));
    }
    if (ops.signal.aborted) return "FAIL";
    // A suspended branch leaves the step suspended, unmerged, whatever the others did: the
    // resume re-enters it (succeeded branches are skipped, failed ones run again).
    if (outcomes.some((o) => o.status === "SUSPENDED")) return "SUSPENDED";
    return type.merge(ops.context, outcomes);
  };
}

/**
 * Fan-out: `branches`, then a log for each branch (none is run); resolves to `PROCESSING`
 * and adds the created branches to `created`. Only for fannable composites.
 */
export function fanOutStrategy(created: FannedBranch[]): Strategy {
  return async (type, ops) => {
    const set = await type.branches(ops.context);
    for (let i = 0; i < set.count; i++) {
      const request = await independent(set, i, ops);
      if (await ops.open(request)) created.push({ key: request.key, iterVars: { ...ops.context.iterVars, ...request.iterVars } });
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
  return async (type, ops) => {
    const set = await type.branches(ops.context);
    let previous: BranchOutcome | undefined;
    for (let i = 0; i < set.count; i++) {
      const request = await set.request(i, previous);
      if (!request) break;
      const recorded = await ops.recorded(request).catch(() => undefined);
      if (!recorded || recorded.status === "FAIL") {
        await ops.reopen(request);
        created.push({ key: request.key, iterVars: { ...ops.context.iterVars, ...request.iterVars } });
        break;
      }
      previous = recorded;
    }
    return "PROCESSING";
  };
}

/** Fan-in of dependent branches (a loop): the recorded outcomes in order, each request made from the one before, then `merge`. */
export const fanInOrderStrategy: Strategy = async (type, ops) => {
  const set = await type.branches(ops.context);
  const outcomes: BranchOutcome[] = [];
  let previous: BranchOutcome | undefined;
  for (let i = 0; i < set.count; i++) {
    const request = await set.request(i, previous);
    if (!request) break;
    previous = await ops.recorded(request);
    outcomes.push(previous);
  }
  return type.merge(ops.context, outcomes);
};

/**
 * Fan-in: `branches` again (they depend only on the step's scope), the recorded outcome of
 * each (every one must have finished), then `merge`. Only for fannable composites.
 */
export const fanInStrategy: Strategy = async (type, ops) => {
  const set = await type.branches(ops.context);
  const outcomes: BranchOutcome[] = [];
  for (let i = 0; i < set.count; i++) outcomes.push(await ops.recorded(await independent(set, i, ops)));
  return type.merge(ops.context, outcomes);
};

async function runInOrder(set: BranchSet, ops: BranchOps): Promise<BranchOutcome[]> {
  const outcomes: BranchOutcome[] = [];
  let previous: BranchOutcome | undefined;
  for (let i = 0; i < set.count && !ops.signal.aborted; i++) {
    const request = await set.request(i, previous);
    if (!request) break;
    previous = await ops.run(request);
    outcomes.push(previous);
    if (previous.status === "SUSPENDED") break;
  }
  return outcomes;
}

/** Runs branch `index` of a fannable set (a request made synchronously costs no promise). */
function runIndependent(set: BranchSet, index: number, ops: BranchOps): Promise<BranchOutcome> {
  const request = set.request(index, undefined);
  return request instanceof Promise ? request.then((r) => ops.run(checked(r, set, index, ops))) : ops.run(checked(request, set, index, ops));
}

/** Request `index` of a fannable set, which must exist. */
async function independent(set: BranchSet, index: number, ops: BranchOps): Promise<BranchRequest> {
  return checked(await set.request(index, undefined), set, index, ops);
}

function checked(request: BranchRequest | undefined, set: BranchSet, index: number, ops: BranchOps): BranchRequest {
  if (!request)
    throw new RunnableError("E_BRANCH_INVALID", `step ${ops.context.internalName}: branch ${index} of ${set.count} has no request (only a composite that is not fannable may stop early)`, {
      step: ops.context.internalName,
      type: ops.context.node.type,
    });
  return request;
}
