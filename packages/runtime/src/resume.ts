import { RunnableError, type RunLog, type StepLog } from "@runnable-ts/sdk";

/** What `resume` asks for: the suspended step to resume (optional when only one is) and its data. */
export interface ResumeRequest {
  /** Internal name of the suspended step; required when several are suspended. */
  step?: string | undefined;
  /** Given to the resumed attempt as `ctx.resumeData` (JSON). */
  data?: unknown;
}

/** The internal names of the suspended task steps of a run log, at any depth, in log order. */
export function suspendedSteps(runLog: RunLog): string[] {
  const found: string[] = [];
  const walk = (steps: Record<string, StepLog>): void => {
    for (const step of Object.values(steps)) {
      const branches = Object.values(step.branches);
      if (branches.length === 0 && step.status === "SUSPENDED") found.push(step.internal_name);
      for (const branch of branches) walk(branch.steps);
    }
  };
  walk(runLog.steps);
  return found;
}

/**
 * Checks a resume against the run log it resumes and resolves to the step to resume.
 * @throws RunnableError `E_NOT_SUSPENDED` when the run is not SUSPENDED; `E_STEP_NOT_SUSPENDED`
 *   when `step` is not one of its suspended steps; `E_RESUME_AMBIGUOUS` when several steps are
 *   suspended and none was named. Nothing is written.
 */
export function resumeTarget(runLog: RunLog, request: ResumeRequest): string {
  const runId = runLog.run_id;
  const suspended = suspendedSteps(runLog);
  if (runLog.status !== "SUSPENDED" || suspended.length === 0)
    throw new RunnableError("E_NOT_SUSPENDED", `Cannot resume run "${runId}": it is ${runLog.status}, not SUSPENDED${runLog.status === "FAIL" ? " (use runnable retry for a failed run)" : ""}`, {
      runId,
      status: runLog.status,
    });
  const list = suspended.join(", ");
  if (request.step === undefined) {
    if (suspended.length > 1)
      throw new RunnableError("E_RESUME_AMBIGUOUS", `Run "${runId}" has ${suspended.length} suspended steps (${list}): name the one to resume with --step`, { runId, suspended });
    return suspended[0]!;
  }
  if (!suspended.includes(request.step))
    throw new RunnableError("E_STEP_NOT_SUSPENDED", `Cannot resume step "${request.step}" of run "${runId}": it is not suspended; suspended: ${list}`, { runId, step: request.step, suspended });
  return request.step;
}

/**
 * Parses `--data` (JSON text) of `runnable resume`.
 * @throws RunnableError `E_RESUME_DATA_INVALID` naming where the text came from.
 */
export function parseResumeData(text: string, from: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RunnableError("E_RESUME_DATA_INVALID", `${from} is not valid JSON (${error instanceof Error ? error.message : String(error)}); pass e.g. --data '{"approved":true}'`, { from });
  }
}
