import type { PluginKinds, ServiceKind } from "./kinds";

/**
 * A typed DI token: a registered symbol (shared by every copy of the SDK) that carries the
 * type of what it resolves to. tsyringe accepts it as an injection token.
 */
export type Token<T> = symbol & { readonly __type?: T };

/** Creates (or finds) the token named `runnable-ts:<name>`. */
export function token<T>(name: string): Token<T> {
  return Symbol.for(`runnable-ts:${name}`) as Token<T>;
}

/** The token under which the run's configured plugin of each service kind is registered. */
export const SERVICE_TOKENS: { readonly [K in ServiceKind]: Token<PluginKinds[K]> } = Object.freeze({
  "pipeline-executor": token<PluginKinds["pipeline-executor"]>("pipeline-executor"),
  "job-executor": token<PluginKinds["job-executor"]>("job-executor"),
  "run-log-store": token<PluginKinds["run-log-store"]>("run-log-store"),
  catalog: token<PluginKinds["catalog"]>("catalog"),
  secrets: token<PluginKinds["secrets"]>("secrets"),
  pickler: token<PluginKinds["pickler"]>("pickler"),
});

/** Facts about the run's environment, registered in every run container. */
export interface RunEnvironment {
  /** Directory the run was started from; relative paths in config are relative to it. */
  readonly cwd: string;
  /** Root of the project (nearest folder with a package.json). */
  readonly projectRoot: string;
  /** The configuration file in effect, if any. */
  readonly configFile: string | undefined;
}

/** Token of the {@link RunEnvironment}. */
export const RUN_ENVIRONMENT = token<RunEnvironment>("run-environment");
