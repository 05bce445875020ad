import type { BranchLog, Pipeline, RunLog, StepLog } from "@runnable-ts/sdk";
import * as examples from "../src/index";
import { run, useS3rver, workdir, type StoreName } from "./support";

useS3rver();

/** What a run recorded, without what differs between any two runs (ids, times, code identities). */
function recorded(log: RunLog): unknown {
  const step = (s: StepLog): unknown => ({
    name: s.name,
    internal_name: s.internal_name,
    status: s.status,
    step_type: s.step_type,
    message: s.message,
    attempts: s.attempts.map((a) => ({ status: a.status, input_parameters: a.input_parameters, output_parameters: a.output_parameters, user_defined_metrics: a.user_defined_metrics })),
    catalog: s.data_catalog.map((c) => ({ name: c.name, data_hash: c.data_hash, stage: c.stage })),
    branches: Object.fromEntries(Object.entries(s.branches).map(([k, b]) => [k, branch(b)])),
  });
  const branch = (b: BranchLog): unknown => ({ status: b.status, parameters: b.parameters, steps: Object.fromEntries(Object.entries(b.steps).map(([k, s]) => [k, step(s)])) });
  return { status: log.status, parameters: log.parameters, steps: Object.fromEntries(Object.entries(log.steps).map(([k, s]) => [k, step(s)])) };
}

const CASES: [string, Pipeline, { parametersFile?: string; env?: NodeJS.ProcessEnv; extra?: string }][] = [
  ["01 tasks", examples.tasks.pipeline, {}],
  ["02 sequential", examples.sequential.pipeline, {}],
  ["03 on_failure", examples.onFailure.pipeline, {}],
  ["04 parameters", examples.parameters.pipeline, { parametersFile: "parameters.yaml", env: { RUNNABLE_PRM_stringer: "from env", RUNNABLE_PRM_integer: "41" } }],
  ["05 catalog", examples.catalog.pipeline, {}],
  ["06 parallel", examples.parallel.pipeline, {}],
  ["07 map", examples.map.pipeline, { env: { RUNNABLE_PRM_multiplier: "10" } }],
  ["08 conditional", examples.conditional.pipeline, {}],
  ["09 loop", examples.loop.pipeline, {}],
  ["10 secrets", examples.secrets.pipeline, { extra: "secrets: { type: dotenv, config: { location: .env } }\n" }],
];

describe("chunked-minio + s3 catalog record the same run as file-system + file-system catalog", () => {
  it.each(CASES)("%s", async (_name, pipeline, options) => {
    const logs: Record<string, unknown> = {};
    for (const store of ["file-system", "chunked-minio"] as StoreName[]) {
      const { dir, config } = workdir(store, options.extra ?? "");
      const { runLog } = await run(pipeline, dir, config, { ...(options.parametersFile ? { parametersFile: options.parametersFile } : {}), ...(options.env ? { env: options.env } : {}) });
      logs[store] = recorded(runLog);
    }
    expect(logs["chunked-minio"]).toEqual(logs["file-system"]);
  });
});
