import { z } from "@runnable-ts/sdk";

const volume = z.strictObject({ name: z.string().min(1), claim_name: z.string().min(1), mount_path: z.string().min(1), read_only: z.boolean().optional() });
const envVar = z.strictObject({ name: z.string().min(1), value: z.string() });
const quantities = z.record(z.string(), z.union([z.string(), z.number()]).transform(String));
const resources = z.strictObject({ requests: quantities.optional(), limits: quantities.optional() });
const toleration = z.record(z.string(), z.unknown());

/** What a step's override (`overrides: { argo: <name> }`) may replace. */
const overrideSchema = z.strictObject({
  image: z.string().min(1).optional(),
  image_pull_policy: z.enum(["Always", "IfNotPresent", "Never"]).optional(),
  env: z.array(envVar).optional(),
  resources: resources.optional(),
  node_selector: z.record(z.string(), z.string()).optional(),
  tolerations: z.array(toleration).optional(),
});

/**
 * The config of the `argo` pipeline executor (SPEC §13.3). `image` is required; the rest has
 * defaults (`working_dir` /app, `output_file` argo-pipeline.yaml, `namespace` default).
 */
export const argoConfigSchema = z.strictObject({
  image: z.string().min(1),
  working_dir: z.string().min(1).default("/app"),
  output_file: z.string().min(1).default("argo-pipeline.yaml"),
  namespace: z.string().min(1).default("default"),
  generate_name: z.string().min(1).optional(),
  service_account_name: z.string().min(1).optional(),
  image_pull_policy: z.enum(["Always", "IfNotPresent", "Never"]).optional(),
  volumes: z.array(volume).default([]),
  secrets_from_k8s: z.string().min(1).optional(),
  env: z.array(envVar).default([]),
  resources: resources.optional(),
  retry_strategy: z.record(z.string(), z.unknown()).optional(),
  parallelism: z.number().int().min(1).optional(),
  active_deadline_seconds: z.number().int().min(1).optional(),
  node_selector: z.record(z.string(), z.string()).optional(),
  tolerations: z.array(toleration).optional(),
  overrides: z.record(z.string(), overrideSchema).default({}),
  cron: z.strictObject({ schedules: z.array(z.string().min(1)).min(1), timezone: z.string().min(1).optional() }).optional(),
});

/** Validated `argo` config. */
export type ArgoConfig = z.infer<typeof argoConfigSchema>;
/** One named override of an `argo` config. */
export type ArgoOverride = z.infer<typeof overrideSchema>;
