import { mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, resolve } from "node:path";
import { definePlugin, RunnableError, type NodeDef, type PipelineExecutor } from "@runnable-ts/sdk";
import { compileWorkflow, taskName, type Manifest } from "./compile";
import { argoConfigSchema } from "./config";
import { assertValidWorkflow } from "./validate";

export { argoConfigSchema, type ArgoConfig, type ArgoOverride } from "./config";
export { compileWorkflow, taskName, BRANCHES_FILE, type CompileInput, type Manifest } from "./compile";
export { assertValidWorkflow, schemaProblems, workflowProblems } from "./validate";

/**
 * The `argo` executor (SPEC §13.3): compiles the pipeline to an Argo Workflows manifest
 * (`Workflow`, or `CronWorkflow` with `cron`) written to `output_file`, checked before it is
 * written; runs nothing and writes no run log. Each pod runs one step through
 * `runnable execute-single-node` (or a composite's `runnable fan … out|in`) against the same
 * definition, config and run id.
 */
export const argoExecutor = definePlugin({
  kind: "pipeline-executor",
  name: "argo",
  configSchema: argoConfigSchema,
  create: (config): PipelineExecutor => {
    const nodes = new Map<string, NodeDef>();
    return {
      check: async (definition) => {
        for (const { path, node } of definition.steps) {
          nodes.set(path, node);
          taskName(node.name, path);
          const name = (node.overrides as Record<string, string> | undefined)?.argo;
          if (name !== undefined && !config.overrides[name]) {
            const known = Object.keys(config.overrides);
            throw new RunnableError(
              "E_CONFIG_INVALID",
              `Step "${path}" asks for the argo override "${name}", which the executor's config does not define (${known.length ? `known: ${known.join(", ")}` : "it has no overrides"}); add it under overrides: or fix the step's overrides`,
              { plugin: "argo", step: path, path: `overrides.${name}` },
            );
          }
        }
      },
      compile: async (pipeline) => {
        const file = pipeline.definition.file;
        if (!file) throw new RunnableError("E_USAGE", "argo: the pipeline does not record the file it was defined in, so pods cannot load it; run it from a file (runnable execute -c argo.yaml <file>)");
        const manifest: Manifest = compileWorkflow(config, {
          plan: pipeline.plan(),
          nodes,
          definitionFile: file,
          exportName: pipeline.definition.exportName,
          configFile: pipeline.configFile,
          parametersFile: pipeline.parametersFile,
          parameters: pipeline.parameters,
          baseName: kubernetesName(basename(file, extname(file))),
          traceparent: pipeline.services.traceEnv?.("").TRACEPARENT,
        });
        await assertValidWorkflow(manifest);
        const out = resolve(pipeline.services.cwd, config.output_file);
        mkdirSync(dirname(out), { recursive: true });
        // JSON is YAML: kubectl and argo read it as is.
        writeFileSync(out, `${JSON.stringify(manifest, null, 2)}\n`);
        return `argo: wrote ${String(manifest.kind)} to ${config.output_file} (submit it with argo submit ${config.output_file})`;
      },
      execute: () => Promise.reject(new RunnableError("E_USAGE", "argo: this executor compiles the pipeline (runnable execute writes the manifest); it never runs it here")),
    };
  },
});

/** A file name as the start of a Kubernetes name. */
function kubernetesName(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40) || "pipeline";
}
