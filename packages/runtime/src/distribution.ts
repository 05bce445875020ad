import { resolve } from "node:path";
import type { ServiceKind } from "@runnable-ts/sdk";

/**
 * This package's folder. Its package.json `dependencies` list the built-in plugin packages,
 * which the kernel discovers like any third-party package (the kernel knows no plugin by name).
 */
export const DISTRIBUTION_DIR = resolve(__dirname, "..");

/** Plugins used for service kinds that the config file does not set (SPEC §3). */
export const DEFAULT_SERVICES: Readonly<Partial<Record<ServiceKind, string>>> = Object.freeze({
  "pipeline-executor": "local",
  "job-executor": "local",
  "run-log-store": "chunked-fs",
  catalog: "file-system",
  secrets: "env-secrets",
  pickler: "pickle",
});
