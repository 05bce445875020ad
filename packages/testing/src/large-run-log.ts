import type { BranchLog, RunLog, StepAttempt, StepLog } from "@runnable-ts/sdk";

function attempt(n: number, startMs: number, durationMs: number, status: "SUCCESS" | "FAIL"): StepAttempt {
  return {
    attempt_number: n,
    start_time: new Date(startMs).toISOString(),
    end_time: new Date(startMs + durationMs).toISOString(),
    status,
    message: status === "FAIL" ? `attempt ${n} failed` : "",
    input_parameters: {},
    output_parameters: {},
    user_defined_metrics: {},
    retry_indicator: "",
    code_identities: [],
  };
}

function task(internalName: string, attempts: StepAttempt[]): StepLog {
  return {
    name: internalName.slice(internalName.lastIndexOf(".") + 1),
    internal_name: internalName,
    status: attempts[attempts.length - 1]?.status ?? "CREATED",
    step_type: "task",
    message: "",
    mock: false,
    attempts,
    branches: {},
    data_catalog: [],
  };
}

/**
 * A finished run log of `steps` task steps: a `load` task, then a map of `steps - 1`
 * iterations of one task each (every 100th iteration needed a second attempt). For views and
 * benchmarks of large runs.
 */
export function largeMapRunLog(runId: string, steps: number): RunLog {
  const t0 = Date.UTC(2026, 0, 1);
  const branches: Record<string, BranchLog> = {};
  for (let i = 0; i < steps - 1; i++) {
    const start = t0 + 10 + i * 3;
    const attempts = i % 100 === 99 ? [attempt(1, start, 1, "FAIL"), attempt(2, start + 1, 2, "SUCCESS")] : [attempt(1, start, 2, "SUCCESS")];
    branches[`map.${i}`] = { internal_name: `map.${i}`, status: "SUCCESS", parameters: {}, steps: { [`map.${i}.work`]: task(`map.${i}.work`, attempts) } };
  }
  const map: StepLog = { ...task("map", []), step_type: "map", status: "SUCCESS", branches };
  return {
    run_id: runId,
    dag_hash: "h",
    tag: "large",
    status: "SUCCESS",
    job: null,
    parameters: {},
    run_config: {},
    steps: { load: task("load", [attempt(1, t0, 10, "SUCCESS")]), map },
  };
}
