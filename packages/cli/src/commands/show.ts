import { CACHE_RUN_ID, validateRunId, withRunLogStore } from "@runnable-ts/runtime";
import type { BranchLog, RunLog, RunLogStore, StepLog } from "@runnable-ts/sdk";
import type { CommandContext } from "../command";
import { table, type Output } from "../output";

function withStore<T>(ctx: CommandContext, fn: (store: RunLogStore) => Promise<T>): Promise<T> {
  return withRunLogStore({ cwd: ctx.kernelOptions.cwd ?? process.cwd(), configurationFile: ctx.kernelOptions.configFile }, fn);
}

/** Renders a run log as an indented tree: steps, branches, attempts and messages. */
export function renderTree(log: RunLog): string {
  const lines = [`run ${log.run_id}  ${log.status}${log.tag ? `  tag=${log.tag}` : ""}`];
  const steps = (record: Record<string, StepLog>, indent: string): void => {
    for (const step of Object.values(record)) {
      const attempts = step.attempts.length > 0 ? `  attempts=${step.attempts.length}` : "";
      const mock = step.mock ? "  (mock)" : "";
      lines.push(`${indent}${step.name}  [${step.step_type}]  ${step.status}${attempts}${mock}${step.message ? `  — ${step.message}` : ""}`);
      branches(step.branches, `${indent}  `);
    }
  };
  const branches = (record: Record<string, BranchLog>, indent: string): void => {
    for (const branch of Object.values(record)) {
      lines.push(`${indent}${branch.internal_name}  ${branch.status}`);
      steps(branch.steps, `${indent}  `);
    }
  };
  steps(log.steps, "  ");
  const params = Object.entries(log.parameters).map(([k, p]) => `${k}=${JSON.stringify(p.value)}${p.kind === "json" ? "" : ` (${p.kind})`}`);
  if (params.length > 0) lines.push(`parameters: ${params.join(", ")}`);
  return lines.join("\n");
}

/** `runnable show <run_id> [--json]`: the run log from the configured store. */
export async function showCommand(ctx: CommandContext, runId: string, flags: { json: boolean }, output: Output): Promise<number> {
  validateRunId(runId);
  const log = await withStore(ctx, (store) => store.getRunLog(runId));
  output.out(flags.json ? JSON.stringify(log, null, 2) : renderTree(log));
  return 0;
}

/** `runnable runs [--json]`: every run in the configured store. */
export async function runsCommand(ctx: CommandContext, flags: { json: boolean }, output: Output): Promise<number> {
  // The step cache is kept as a pseudo-run of the store: not a run to list.
  const runs = (await withStore(ctx, (store) => store.listRuns())).filter((r) => r.run_id !== CACHE_RUN_ID);
  output.out(flags.json ? JSON.stringify(runs, null, 2) : table(["RUN ID", "STATUS", "TAG"], runs.map((r) => [r.run_id, r.status, r.tag])));
  return 0;
}
