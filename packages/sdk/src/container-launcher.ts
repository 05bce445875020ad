import { execFile } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, relative, resolve } from "node:path";
import { z } from "zod";
import type { ExecutionCheck, Launcher, LaunchRequest, LaunchResult } from "./engine";
import { RunnableError } from "./errors";
import { lazySchema } from "./lazy-schema";
import { runCommand } from "./launch";
import type { CodeIdentity } from "./run-log";

/** Settings a step's override may replace (shallowly, as the reference does). */
const containerSettings = () => ({
  image: z.string().min(1),
  run_args: z.array(z.string()),
  environment: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)),
  mount_working_dir: z.boolean(),
  working_dir: z.string().min(1),
});

/**
 * The config of the `local-container` pipeline and job executors (SPEC §13.2): `image`
 * (required), `engine` (`docker`, `podman` or a path; default docker when on PATH, else podman),
 * `run_args` (before the image), `environment`, `mount_working_dir` (default true),
 * `working_dir` (where the image holds the project when the working directory is not mounted;
 * default `/app`), `max_concurrency` (containers at once; default 1) and named `overrides`.
 */
export const localContainerConfigSchema = lazySchema(() => {
  const settings = containerSettings();
  return z.object({
    image: settings.image,
    engine: z.string().min(1).optional(),
    run_args: settings.run_args.default([]),
    environment: settings.environment.default({}),
    mount_working_dir: settings.mount_working_dir.default(true),
    working_dir: settings.working_dir.default("/app"),
    max_concurrency: z.number().int().min(1).default(1),
    overrides: z.record(z.string(), z.strictObject({ ...settings }).partial()).default({}),
  });
});

/** Validated `local-container` config. */
export type LocalContainerConfig = z.infer<typeof localContainerConfigSchema>;

type Overrides = Readonly<Record<string, string>> | undefined;
type Settings = Pick<LocalContainerConfig, "image" | "run_args" | "environment" | "mount_working_dir" | "working_dir">;

/** The key a step's `overrides` uses to pick one of this executor's overrides. */
const OVERRIDE_KEY = "local-container";

/**
 * Runs launches in containers through the `docker` or `podman` command line, for the
 * `local-container` executors: one container per launch, named after the run and step,
 * labelled `io.runnable.run_id` / `io.runnable.step`, removed when it ends (`--rm`) or when
 * the run is cancelled (`rm -f`). Variables reach the container by name (`-e NAME`, the value
 * in the engine process's environment), so no secret is ever on a command line.
 */
export class LocalContainer {
  private engine: string | undefined;
  private readonly images = new Map<string, Promise<string>>();

  constructor(
    private readonly config: LocalContainerConfig,
    private readonly executor: string,
  ) {}

  /**
   * Before a run log exists: a container engine, every override a step names, a store several
   * processes can write when containers run concurrently, and every image the steps use.
   * @throws RunnableError `E_ENGINE_NOT_FOUND`, `E_CONFIG_INVALID`, `E_IMAGE_NOT_FOUND`.
   */
  async check(definition: ExecutionCheck): Promise<void> {
    const store = definition.services.store;
    if (this.config.max_concurrency > 1 && !store.supportsConcurrentWriters)
      throw new RunnableError(
        "E_CONFIG_INVALID",
        `${this.executor}: max_concurrency ${this.config.max_concurrency} runs several containers that write the run log at once, which this run-log store cannot take; use chunked-fs (or another store with concurrent writers), or max_concurrency: 1`,
        { plugin: this.executor, path: "max_concurrency" },
      );
    const images = new Set<string>();
    for (const { path, node } of definition.steps) {
      const settings = this.settingsFor(node.overrides as Overrides, path);
      // Only task steps run in containers; composites and terminals are driven from here.
      if (node.type === "task") images.add(settings.image);
    }
    this.engineCommand();
    await Promise.all([...images].map((image) => this.imageId(image)));
  }

  /** The launcher: `<engine> run --rm --name <name> … <image> node <runnable CLI> …`. */
  readonly launch: Launcher = async (request) => {
    const settings = this.settingsFor(request.node.overrides as Overrides, request.internalName);
    const engine = this.engineCommand();
    const imageId = await this.imageId(settings.image);
    const where = `container ${request.name} (${settings.image})`;
    const env = { ...process.env, ...request.env };
    // `kill` (SIGKILL in docker and podman) first: `rm -f` alone waits for a stop timeout, which
    // node as PID 1 (it ignores SIGTERM) would always use up.
    const remove = async () => {
      await runCommand([engine, "kill", request.name], { cwd: request.cwd, env: process.env });
      await runCommand([engine, "rm", "-f", request.name], { cwd: request.cwd, env: process.env });
    };
    const outcome = await runCommand([engine, ...this.runArgs(settings, request)], { cwd: request.cwd, env, signal: request.signal, onAbort: remove });
    // 125: the engine refused (bad argument, no such image…); 126/127: the command cannot be run in the image.
    const notStarted = outcome.spawnFailed || outcome.code === 125 || outcome.code === 126 || outcome.code === 127;
    if (notStarted || request.signal.aborted) await remove();
    const identity: CodeIdentity = { code_identifier: imageId, code_identifier_type: "docker", code_identifier_dependable: true, code_identifier_url: settings.image, code_identifier_message: "" };
    const result: LaunchResult = { code: outcome.code, stderr: outcome.stderr, notStarted, where, codeIdentities: notStarted ? [] : [identity] };
    return result;
  };

  /** The executor's settings with the step's override (`overrides: { local-container: <name> }`) applied. */
  private settingsFor(overrides: Overrides, step: string): Settings {
    const { image, run_args, environment, mount_working_dir, working_dir } = this.config;
    const base: Settings = { image, run_args, environment, mount_working_dir, working_dir };
    const name = overrides?.[OVERRIDE_KEY];
    if (name === undefined) return base;
    const override = this.config.overrides[name];
    if (!override) {
      const known = Object.keys(this.config.overrides);
      throw new RunnableError(
        "E_CONFIG_INVALID",
        `Step "${step}" asks for the ${this.executor} override "${name}", which the executor's config does not define (${known.length ? `known: ${known.join(", ")}` : "it has no overrides"}); add it under overrides: or fix the step's overrides`,
        { plugin: this.executor, step, path: `overrides.${name}` },
      );
    }
    return { ...base, ...override } as Settings;
  }

  private runArgs(settings: Settings, request: LaunchRequest): string[] {
    const has = (...flags: string[]) => settings.run_args.some((a) => flags.some((f) => a === f || a.startsWith(`${f}=`)));
    const inside = settings.mount_working_dir ? request.cwd : settings.working_dir;
    const mapPath = (arg: string): string => {
      if (settings.mount_working_dir || !isAbsolute(arg)) return arg;
      const rel = relative(request.cwd, arg);
      return rel.startsWith("..") || isAbsolute(rel) ? arg : join(settings.working_dir, rel);
    };
    const [, ...command] = request.argv;
    return [
      "run",
      "--rm",
      "--name",
      request.name,
      "--label",
      `io.runnable.run_id=${request.runId}`,
      "--label",
      `io.runnable.step=${request.internalName}`,
      // The host's network, as a local run has (stores and services on 127.0.0.1), and no
      // engine-side log (the step's output is in its execution log) unless run_args say otherwise.
      ...(has("--network", "--net") ? [] : ["--network", "host"]),
      ...(has("--log-driver") ? [] : ["--log-driver", "none"]),
      ...(settings.mount_working_dir ? ["-v", `${request.cwd}:${request.cwd}`] : []),
      "-w",
      inside,
      ...Object.keys(request.env).flatMap((name) => ["-e", name]),
      ...Object.entries(settings.environment).flatMap(([name, value]) => ["-e", `${name}=${value}`]),
      ...settings.run_args,
      settings.image,
      "node",
      ...command.map(mapPath),
    ];
  }

  /**
   * The engine's executable: `engine` from the config (a name looked up on PATH, or a path),
   * else docker when on PATH, else podman.
   * @throws RunnableError `E_ENGINE_NOT_FOUND` naming what was tried and how to set it.
   */
  private engineCommand(): string {
    if (this.engine) return this.engine;
    const wanted = this.config.engine;
    const tried = wanted ? [wanted] : ["docker", "podman"];
    for (const name of tried) {
      const found = findExecutable(name);
      if (found) return (this.engine = found);
    }
    throw new RunnableError(
      "E_ENGINE_NOT_FOUND",
      `${this.executor}: no container engine found (tried ${tried.map((t) => (t.includes("/") ? t : `${t} on PATH`)).join(", ")}); install docker or podman, or set engine: in the ${this.executor} executor's config to docker, podman or the engine's path`,
      { plugin: this.executor, path: "engine" },
    );
  }

  /**
   * The image's id, looked up once per image: inspected locally, pulled when absent.
   * @throws RunnableError `E_IMAGE_NOT_FOUND` naming the image, with the engine's own words.
   */
  private imageId(image: string): Promise<string> {
    let found = this.images.get(image);
    if (!found) this.images.set(image, (found = this.lookUp(image)));
    return found;
  }

  private async lookUp(image: string): Promise<string> {
    const engine = this.engineCommand();
    const options = { cwd: process.cwd(), env: process.env };
    const inspect = () => runCommandOut([engine, "image", "inspect", "--format", "{{.Id}}", image], options);
    let seen = await inspect();
    if (seen.code === 0 && seen.stdout.trim()) return seen.stdout.trim();
    const pulled = await runCommand([engine, "pull", image], options);
    if (pulled.code === 0) {
      seen = await inspect();
      if (seen.code === 0 && seen.stdout.trim()) return seen.stdout.trim();
    }
    const said = (pulled.stderr || seen.stderr).trim().split("\n").slice(-2).join(" | ");
    throw new RunnableError(
      "E_IMAGE_NOT_FOUND",
      `${this.executor}: image "${image}" is not available to ${engine}: not found locally, and pulling it failed${said ? ` (${said})` : ""}. Build it (README, "Containers"), fix image: in the config — or, if the engine itself cannot be reached, start it or set engine: to another one`,
      { plugin: this.executor, image, path: "image" },
    );
  }
}

/** Runs a short command capturing its stdout too. */
function runCommandOut(argv: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(argv[0]!, argv.slice(1), { ...options, timeout: 60_000 }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) || (error?.message ?? "") }),
    );
  });
}

/** An executable named `name`: a path (absolute or relative to the working directory) or a name on PATH. */
function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = name.includes("/") ? [resolve(name)] : (env.PATH ?? "").split(delimiter).filter(Boolean).map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}
