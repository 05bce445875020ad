import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { definePlugin, RunnableError, z, type JobCompile, type JobExecutor } from "@runnable-ts/sdk";

const volume = z.strictObject({ name: z.string().min(1), claim_name: z.string().min(1), mount_path: z.string().min(1), read_only: z.boolean().optional() });
const quantities = z.record(z.string(), z.union([z.string(), z.number()]).transform(String));

/** The config of the `k8s-job` job executor (SPEC §13.4); `image` is required. */
export const k8sJobConfigSchema = z.strictObject({
  image: z.string().min(1),
  working_dir: z.string().min(1).default("/app"),
  namespace: z.string().min(1).default("default"),
  output_file: z.string().min(1).default("k8s-job.yaml"),
  volumes: z.array(volume).default([]),
  secrets_from_k8s: z.string().min(1).optional(),
  env: z.array(z.strictObject({ name: z.string().min(1), value: z.string() })).default([]),
  resources: z.strictObject({ requests: quantities.optional(), limits: quantities.optional() }).optional(),
  service_account_name: z.string().min(1).optional(),
  active_deadline_seconds: z.number().int().min(1).optional(),
  backoff_limit: z.number().int().min(0).optional(),
  ttl_seconds_after_finished: z.number().int().min(0).optional(),
  node_selector: z.record(z.string(), z.string()).optional(),
  tolerations: z.array(z.record(z.string(), z.unknown())).optional(),
  schedule: z.string().min(1).optional(),
  submit: z.boolean().default(false),
});

/** Validated `k8s-job` config. */
export type K8sJobConfig = z.infer<typeof k8sJobConfigSchema>;

/** Set in the Job's pod: there the executor runs the job instead of writing a manifest. */
export const IN_POD_ENV = "RUNNABLE_K8S_JOB_POD";

/** A run id or file name as a DNS-1123 name (at most `max` characters). */
function kubernetesName(text: string, max = 52): string {
  return text.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, max).replace(/-+$/, "") || "job";
}

/**
 * The `batch/v1` Job (or CronJob with `schedule`) that runs `job`: one pod running
 * `runnable execute-job <file> --run-id <run id>` (a CronJob: a new run id per run) at
 * `working_dir`, with the same config; task secrets as `secretKeyRef` into `secrets_from_k8s`.
 */
export function jobManifest(config: K8sJobConfig, job: Pick<JobCompile, "runId" | "node" | "definition" | "configFile" | "parametersFile">): Record<string, unknown> {
  const file = job.definition.file;
  if (!file) throw new RunnableError("E_USAGE", "k8s-job: the job does not record the file it was defined in, so its pod cannot load it; run it from a file (runnable execute-job -c k8s.yaml <file>)");
  const secrets = Array.isArray(job.node.secrets) ? (job.node.secrets as string[]) : [];
  if (secrets.length && !config.secrets_from_k8s)
    throw new RunnableError("E_CONFIG_INVALID", `k8s-job: the job needs secrets (${secrets.join(", ")}) and the config has no secrets_from_k8s (the Kubernetes Secret holding them)`, { path: "secrets_from_k8s" });
  const container = {
    name: "job",
    image: config.image,
    command: ["node", "node_modules/@runnable-ts/cli/dist/bin.js"],
    args: [
      "execute-job",
      file,
      ...(config.schedule ? [] : ["--run-id", job.runId]),
      ...(job.configFile ? ["-c", job.configFile] : []),
      ...(job.parametersFile ? ["-p", job.parametersFile] : []),
      ...(job.definition.exportName ? ["--export", job.definition.exportName] : []),
    ],
    workingDir: config.working_dir,
    env: [{ name: IN_POD_ENV, value: "1" }, ...config.env, ...secrets.map((s) => ({ name: s, valueFrom: { secretKeyRef: { name: config.secrets_from_k8s, key: s } } }))],
    ...(config.resources ? { resources: config.resources } : {}),
    ...(config.volumes.length ? { volumeMounts: config.volumes.map((v) => ({ name: v.name, mountPath: v.mount_path, ...(v.read_only ? { readOnly: true } : {}) })) } : {}),
  };
  const jobSpec = {
    ...(config.active_deadline_seconds ? { activeDeadlineSeconds: config.active_deadline_seconds } : {}),
    ...(config.backoff_limit !== undefined ? { backoffLimit: config.backoff_limit } : {}),
    ...(config.ttl_seconds_after_finished !== undefined ? { ttlSecondsAfterFinished: config.ttl_seconds_after_finished } : {}),
    template: {
      spec: {
        restartPolicy: "Never",
        containers: [container],
        ...(config.service_account_name ? { serviceAccountName: config.service_account_name } : {}),
        ...(config.node_selector ? { nodeSelector: config.node_selector } : {}),
        ...(config.tolerations ? { tolerations: config.tolerations } : {}),
        ...(config.volumes.length ? { volumes: config.volumes.map((v) => ({ name: v.name, persistentVolumeClaim: { claimName: v.claim_name, ...(v.read_only ? { readOnly: true } : {}) } })) } : {}),
      },
    },
  };
  const name = kubernetesName(config.schedule ? file.replace(/\.[^.]+$/, "") : job.runId);
  if (config.schedule) return { apiVersion: "batch/v1", kind: "CronJob", metadata: { name, namespace: config.namespace }, spec: { schedule: config.schedule, jobTemplate: { spec: jobSpec } } };
  return { apiVersion: "batch/v1", kind: "Job", metadata: { name, namespace: config.namespace, labels: { "runnable.io/run-id": name } }, spec: jobSpec };
}

/**
 * Problems the Kubernetes schema (`kubernetes-models`, an ES module loaded on first use) finds,
 * plus fields it does not know (it accepts misspelled ones).
 */
export async function jobProblems(doc: Record<string, unknown>): Promise<string[]> {
  const batch = await import("kubernetes-models/batch/v1");
  try {
    // The models take their own typed interfaces; what they check is exactly the shape of `doc`.
    (doc.kind === "CronJob" ? new batch.CronJob(doc as ConstructorParameters<typeof batch.CronJob>[0]) : new batch.Job(doc as ConstructorParameters<typeof batch.Job>[0])).validate();
  } catch (error) {
    return [`Kubernetes schema: ${(error as Error).message}`];
  }
  return [];
}

/**
 * The `k8s-job` job executor (SPEC §13.4): `runnable execute-job -c k8s.yaml job.ts` writes a
 * `batch/v1` Job (or CronJob) to `output_file`, checked against the Kubernetes schema, and runs
 * nothing here (no run log); with `submit: true` it runs `kubectl create -f <output_file>`. In
 * the pod (`RUNNABLE_K8S_JOB_POD`) the same command with the same config runs the job.
 */
export const k8sJobExecutor = definePlugin({
  kind: "job-executor",
  name: "k8s-job",
  configSchema: k8sJobConfigSchema,
  create: (config): JobExecutor => ({
    compile: async (job) => {
      if (process.env[IN_POD_ENV]) return undefined;
      const manifest = jobManifest(config, job);
      const problems = await jobProblems(manifest);
      if (problems.length) throw new RunnableError("E_WORKFLOW_INVALID", `k8s-job: the manifest is not valid:\n${problems.map((p) => `  - ${p}`).join("\n")}`, { problems });
      const out = resolve(job.services.cwd, config.output_file);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, `${JSON.stringify(manifest, null, 2)}\n`);
      if (!config.submit) return `k8s-job: wrote ${String(manifest.kind)} to ${config.output_file} (kubectl create -f ${config.output_file})`;
      await kubectlCreate(out, job.services.cwd);
      return `k8s-job: wrote ${String(manifest.kind)} to ${config.output_file} and created it with kubectl`;
    },
    execute: (job) => job.runHere(),
  }),
});

function kubectlCreate(file: string, cwd: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    execFile("kubectl", ["create", "-f", file], { cwd }, (error, _stdout, stderr) => {
      if (!error) return resolvePromise();
      const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
      reject(
        new RunnableError(
          missing ? "E_ENGINE_NOT_FOUND" : "E_IO",
          missing ? `k8s-job: submit: true needs kubectl on PATH, and there is none; install kubectl or set submit: false and create ${file} yourself` : `k8s-job: kubectl create -f ${file} failed: ${stderr.trim() || error.message}`,
          { file },
        ),
      );
    });
  });
}
