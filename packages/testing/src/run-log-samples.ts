import type { RunLogHeader, StepLog } from "@runnable-ts/sdk";

/** A run-log header for store tests: PROCESSING, no parameters. */
export function sampleHeader(runId: string): RunLogHeader {
  return { run_id: runId, dag_hash: "h", tag: "", status: "PROCESSING", job: null, parameters: {}, run_config: {} };
}

/** A successful task step log named after the last segment of its internal name. */
export function sampleStep(internalName: string): StepLog {
  return {
    name: internalName.split(".").pop() ?? internalName,
    internal_name: internalName,
    status: "SUCCESS",
    step_type: "task",
    message: "",
    mock: false,
    attempts: [],
    branches: {},
    data_catalog: [],
  };
}
