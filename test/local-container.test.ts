import { execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, symlinkSync, readdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadDefinition, runPipeline, type RunResult } from "@runnable-ts/runtime";
import { containersOfRun, ensureTestImage, TEST_IMAGE, testImageRunArgs } from "@runnable-ts/testing";
import { LocalContainer, localContainerConfigSchema, type ExecutionCheck, type StepLog } from "@runnable-ts/sdk";
import { CLI, runCli } from "./support/cli";

jest.setTimeout(120_000);

let podman = "";
beforeAll(() => {
  podman = ensureTestImage();
});

/** A config for the local-container executor with the test image. */
function containerConfig(extra: { executor?: Record<string, unknown>; store?: string; rest?: string } = {}): string {
  const config = { image: TEST_IMAGE, engine: "podman", run_args: testImageRunArgs(), ...extra.executor };
  return `pipeline-executor: { type: local-container, config: ${JSON.stringify(config)} }\nrun-log-store: { type: ${extra.store ?? "chunked-fs"} }\ncatalog: { type: file-system }\n${extra.rest ?? ""}`;
}

const STEPS = `
const fs = require("fs");
const where = () => ({ inContainer: fs.existsSync("/run/.containerenv"), pid: process.pid });
exports.where = () => where();
exports.item = ({ item }) => { const start = Date.now(); require("child_process").execSync("sleep 1.5"); return { item, start, end: Date.now(), ...where() }; };
exports.items = () => [1, 2, 3, 4, 5, 6];
exports.fail = () => { throw new Error("broken in a container"); };
exports.recover = () => where();
exports.env = () => process.env.FLAVOUR ?? "none";
exports.secret = (_, ctx) => { require("child_process").execSync("sleep 2"); return [ctx.secrets.lc_secret.length, fs.existsSync("/run/.containerenv")]; };
// The step's process ends before it can record anything (in a container node is PID 1, which
// ignores signals it sent itself, so it exits instead).
exports.cwd = () => process.cwd();
exports.flaky = () => { if (!fs.existsSync("fixed")) throw new Error("not fixed yet"); return fs.existsSync("/run/.containerenv"); };
exports.die = () => process.exit(3);
exports.slow = () => require("child_process").execSync("sleep 60");
exports.approve = async (_p, ctx) => { if (ctx.resumeData === undefined) await ctx.suspend({ inContainer: fs.existsSync("/run/.containerenv") }); return [ctx.resumeData.ok, fs.existsSync("/run/.containerenv")]; };
`;

function project(pipelineYaml: string, config: string): { dir: string; config: string; file: string } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-lc-")));
  writeFileSync(join(dir, "steps.js"), STEPS);
  writeFileSync(join(dir, "pipeline.yaml"), pipelineYaml);
  writeFileSync(join(dir, "config.yaml"), config);
  return { dir, config: join(dir, "config.yaml"), file: "pipeline.yaml" };
}

async function run(p: { dir: string; config: string; file: string }, options: { runId?: string; signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  const definition = await loadDefinition(p.file, p.dir);
  return runPipeline(definition.graph, { definition: definition.source, cwd: p.dir, configurationFile: p.config, env: options.env ?? {}, ...options });
}

const stepsOf = (log: { steps: Record<string, StepLog> }): StepLog[] =>
  Object.values(log.steps).flatMap((s) => [s, ...Object.values(s.branches).flatMap((b) => stepsOf(b))]);

function expectNoContainersLeft(runId: string): void {
  expect(containersOfRun(runId, podman)).toEqual([]);
}

describe("local-container pipeline executor (real podman containers)", () => {
  it("runs every task step in a container of its own, composites driven by the host, the image id as code identity", async () => {
    const p = project(
      `dag:
  start_at: first
  steps:
    first: { type: task, command: ./steps.js#where, returns: [first], next: shell }
    shell: { type: task, command_type: shell, command: 'test -f /run/.containerenv && export sh_inside=yes', returns: [sh_inside], next: par }
    par:
      type: parallel
      next: success
      branches:
        a: { start_at: s, steps: { s: { type: task, command: ./steps.js#where, returns: [in_a], next: success } } }
        b: { start_at: s, steps: { s: { type: task, command: ./steps.js#where, returns: [in_b], next: success } } }
`,
      containerConfig(),
    );
    const { runLog, runId } = await run(p);
    expect(runLog.status).toBe("SUCCESS");
    for (const name of ["first", "in_a", "in_b"]) {
      const where = runLog.parameters[name]?.value as { inContainer: boolean; pid: number };
      expect(where.inContainer).toBe(true);
      expect(where.pid).not.toBe(process.pid);
    }
    expect(runLog.parameters.sh_inside?.value).toBe("yes");
    const imageId = execFileSync(podman, ["image", "inspect", "--format", "{{.Id}}", TEST_IMAGE], { encoding: "utf8" }).trim();
    const tasks = stepsOf(runLog).filter((s) => s.step_type === "task");
    expect(tasks).toHaveLength(4);
    for (const task of tasks)
      expect(task.attempts[0]?.code_identities).toEqual([expect.objectContaining({ code_identifier: imageId, code_identifier_type: "docker", code_identifier_url: TEST_IMAGE })]);
    expectNoContainersLeft(runId);
  });

  it("runs a map of 6 with max_concurrency 3: containers overlap, never more than 3 at once", async () => {
    const p = project(
      `dag:
  start_at: items
  steps:
    items: { type: task, command: ./steps.js#items, returns: [items], next: map }
    map:
      type: map
      iterate_on: items
      iterate_as: item
      next: success
      branch: { start_at: work, steps: { work: { type: task, command: ./steps.js#item, returns: [span], next: success } } }
`,
      containerConfig({ executor: { max_concurrency: 3 } }),
    );
    const started = Date.now();
    const { runLog, runId } = await run(p);
    const wall = Date.now() - started;
    expect(runLog.status).toBe("SUCCESS");
    const spans = runLog.parameters.span?.value as { start: number; end: number; inContainer: boolean }[];
    expect(spans).toHaveLength(6);
    expect(spans.every((s) => s.inContainer)).toBe(true);
    const overlapAt = (t: number) => spans.filter((s) => s.start <= t && t < s.end).length;
    const peak = Math.max(...spans.map((s) => overlapAt(s.start)));
    expect(peak).toBeGreaterThanOrEqual(2);
    expect(peak).toBeLessThanOrEqual(3);
    // Six 1.5 s tasks one at a time would take 9 s of task time alone (generous bound).
    expect(wall).toBeLessThan(9000 + 6 * 3000);
    expectNoContainersLeft(runId);
  });

  it("runs the project from working_dir when the working directory is not mounted (paths mapped into the image)", async () => {
    // The "image" holds the project at /app: here a mount at that path stands in for a COPY.
    const p = project(`dag: { start_at: a, steps: { a: { type: task, command: ./steps.js#cwd, returns: [cwd], next: success } } }\n`, "");
    writeFileSync(p.config, containerConfig({ executor: { mount_working_dir: false, working_dir: "/app", run_args: [...testImageRunArgs(), "-v", `${p.dir}:/app`] } }));
    const { runLog, runId } = await run(p);
    expect(runLog.status).toBe("SUCCESS");
    expect(runLog.parameters.cwd?.value).toBe("/app");
    expectNoContainersLeft(runId);
  });

  it("routes a failing container step to on_failure (with the file-system store)", async () => {
    const p = project(
      `dag:
  start_at: risky
  steps:
    risky: { type: task, command: ./steps.js#fail, on_failure: recover, next: never }
    never: { type: stub, next: success }
    recover: { type: task, command: ./steps.js#recover, returns: [recovered], next: success }
`,
      containerConfig({ store: "file-system" }),
    );
    const { runLog, runId } = await run(p);
    expect(runLog.steps.risky).toMatchObject({ status: "FAIL", message: "broken in a container" });
    expect(runLog.steps.never).toBeUndefined();
    expect(runLog.status).toBe("SUCCESS");
    expect((runLog.parameters.recovered?.value as { inContainer: boolean }).inContainer).toBe(true);
    expectNoContainersLeft(runId);
  });

  it("retries a failed run in containers: what succeeded is skipped, the failed step runs again as attempt 2", async () => {
    const p = project(
      `dag:
  start_at: first
  steps:
    first: { type: task, command: ./steps.js#where, returns: [first], next: flaky }
    flaky: { type: task, command: ./steps.js#flaky, returns: [fixed_inside], next: success }
`,
      containerConfig(),
    );
    const failed = await run(p, { runId: "retry-run" });
    expect(failed.status).toBe("FAIL");
    writeFileSync(join(p.dir, "fixed"), "");
    const definition = await loadDefinition(p.file, p.dir);
    const retried = await runPipeline(definition.graph, { definition: definition.source, cwd: p.dir, configurationFile: p.config, env: {}, retryRunId: "retry-run" });
    expect(retried.status).toBe("SUCCESS");
    expect(retried.runLog.steps.first?.attempts).toHaveLength(1);
    expect(retried.runLog.steps.flaky?.attempts.map((a) => a.status)).toEqual(["FAIL", "SUCCESS"]);
    expect(retried.runLog.parameters.fixed_inside?.value).toBe(true);
    expectNoContainersLeft("retry-run");
  });

  it("applies a step's override and refuses an unknown override name before running", async () => {
    const yaml = (name: string) => `dag:
  start_at: plain
  steps:
    plain: { type: task, command: ./steps.js#env, returns: [plain], next: special }
    special: { type: task, command: ./steps.js#env, returns: [special], overrides: { local-container: ${name} }, next: success }
`;
    const overrides = { spicy: { environment: { FLAVOUR: "spicy" } } };
    const good = project(yaml("spicy"), containerConfig({ executor: { environment: { FLAVOUR: "mild" }, overrides } }));
    const { runLog } = await run(good);
    expect(runLog.parameters.plain?.value).toBe("mild");
    expect(runLog.parameters.special?.value).toBe("spicy");
    const bad = project(yaml("sweet"), containerConfig({ executor: { overrides } }));
    await expect(run(bad, { runId: "never-created" })).rejects.toMatchObject({ code: "E_CONFIG_INVALID", message: expect.stringMatching(/"special".*override "sweet".*known: spicy/) });
    expect(existsSync(join(bad.dir, ".run_log_store", "never-created"))).toBe(false);
  });

  it("fails before running with clear errors: wrong image, missing engine, no image key, a file-system store with max_concurrency > 1", async () => {
    const yaml = `dag: { start_at: a, steps: { a: { type: task, command: ./steps.js#where, next: success } } }\n`;
    await expect(run(project(yaml, containerConfig({ executor: { image: "localhost/no-such-image:7" } })))).rejects.toMatchObject({
      code: "E_IMAGE_NOT_FOUND",
      message: expect.stringContaining('image "localhost/no-such-image:7"'),
    });
    await expect(run(project(yaml, containerConfig({ executor: { engine: "/opt/nowhere/podman" } })))).rejects.toMatchObject({
      code: "E_ENGINE_NOT_FOUND",
      message: expect.stringMatching(/tried \/opt\/nowhere\/podman.*set engine:/),
    });
    await expect(run(project(yaml, "pipeline-executor: { type: local-container, config: { engine: podman } }\nrun-log-store: { type: chunked-fs }\n"))).rejects.toMatchObject({
      code: "E_CONFIG_INVALID",
      message: expect.stringContaining("image"),
    });
    await expect(run(project(yaml, containerConfig({ store: "file-system", executor: { max_concurrency: 3 } })))).rejects.toMatchObject({
      code: "E_CONFIG_INVALID",
      message: expect.stringContaining("max_concurrency 3"),
    });
  });

  it("records a FAIL step quoting the engine when a container cannot start, and when a step dies without an outcome", async () => {
    const broken = project(`dag: { start_at: a, steps: { a: { type: task, command: ./steps.js#where, next: success } } }\n`, containerConfig({ executor: { run_args: [...testImageRunArgs(), "--no-such-flag"] } }));
    const first = await run(broken);
    expect(first.status).toBe("FAIL");
    expect(first.runLog.steps.a).toMatchObject({ status: "FAIL", message: expect.stringMatching(/container runnable-.* could not start: .*unknown flag: --no-such-flag/) });
    expectNoContainersLeft(first.runId);
    const dying = project(`dag: { start_at: a, steps: { a: { type: task, command: ./steps.js#die, next: success } } }\n`, containerConfig());
    const second = await run(dying);
    expect(second.status).toBe("FAIL");
    expect(second.runLog.steps.a).toMatchObject({ status: "FAIL", message: expect.stringMatching(/ended with code 3 without recording an outcome/) });
    expectNoContainersLeft(second.runId);
  });

  it("passes a listed secret by name: it reaches the task, and its value is on no container command line and in no file the run wrote", async () => {
    const secret = "lc-s3cr3t-value-9f2e";
    // The dotenv file lives outside the mounted working directory: the container can only get
    // the value from the host, by name.
    const vault = realpathSync(mkdtempSync(join(tmpdir(), "runnable-vault-")));
    writeFileSync(join(vault, ".env"), `lc_secret=${secret}\n`);
    const p = project(
      `dag: { start_at: a, steps: { a: { type: task, command: ./steps.js#secret, secrets: [lc_secret], returns: [length, inside], next: success } } }\n`,
      containerConfig({ rest: `secrets: { type: dotenv, config: { location: ${join(vault, ".env")} } }\n` }),
    );
    const running = run(p, { runId: "secret-run" });
    let inspected = "";
    for (let i = 0; i < 100 && !inspected; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const names = containersOfRun("secret-run", podman);
      if (names.length) inspected = execFileSync(podman, ["inspect", "--format", "{{json .Config.CreateCommand}} {{json .Args}} {{.Path}} {{json .Config.Cmd}}", names[0]!], { encoding: "utf8" });
    }
    const { runLog } = await running;
    expect(runLog.status).toBe("SUCCESS");
    expect(runLog.parameters.length?.value).toBe(secret.length);
    expect(runLog.parameters.inside?.value).toBe(true);
    expect(inspected).toContain("lc_secret");
    expect(inspected).not.toContain(secret);
    expect(JSON.stringify(runLog)).not.toContain(secret);
    for (const file of walk(p.dir)) expect(readFileSync(file, "utf8")).not.toContain(secret);
    expectNoContainersLeft("secret-run");
  });

  it("stops the run's containers when the run is cancelled", async () => {
    const p = project(`dag: { start_at: a, steps: { a: { type: task, command: ./steps.js#slow, next: success } } }\n`, containerConfig());
    const controller = new AbortController();
    const started = Date.now();
    const running = run(p, { runId: "cancel-run", signal: controller.signal });
    while (containersOfRun("cancel-run", podman).length === 0 && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 100));
    controller.abort(new Error("stop now"));
    const { runLog } = await running;
    expect(Date.now() - started).toBeLessThan(20_000); // the task sleeps 60 s
    expect(runLog.status).toBe("FAIL");
    expect(runLog.steps.a?.message).toMatch(/cancelled/);
    expectNoContainersLeft("cancel-run");
  });

  it("stops the containers when the CLI gets Ctrl-C (SIGINT)", async () => {
    const p = project(`dag: { start_at: a, steps: { a: { type: task, command: ./steps.js#slow, next: success } } }\n`, containerConfig());
    const child = spawn(process.execPath, [CLI, "execute", p.file, "-c", p.config, "--run-id", "sigint-run"], { cwd: p.dir, stdio: "ignore" });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const started = Date.now();
    while (containersOfRun("sigint-run", podman).length === 0 && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 100));
    expect(containersOfRun("sigint-run", podman)).toHaveLength(1);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expectNoContainersLeft("sigint-run");
    const shown = JSON.parse(runCli(["show", "sigint-run", "--json", "-c", p.config], { cwd: p.dir }).stdout) as { status: string; steps: Record<string, StepLog> };
    expect(shown.status).toBe("FAIL");
    expect(shown.steps.a?.message).toMatch(/cancelled/);
  });
});

describe("local-container engine choice", () => {
  const definition = { graph: { start_at: "a", steps: {} }, steps: [{ path: "a", node: { name: "a", type: "task", overrides: {} } }], services: { store: { supportsConcurrentWriters: true } } } as unknown as ExecutionCheck;
  const check = (engine?: string) => new LocalContainer(localContainerConfigSchema.parse({ image: TEST_IMAGE, ...(engine ? { engine } : {}) }), "local-container").check(definition);
  const withPath = async (dirs: string[], work: () => Promise<void>) => {
    const saved = process.env.PATH;
    process.env.PATH = dirs.join(":");
    try {
      await work();
    } finally {
      process.env.PATH = saved;
    }
  };

  it("takes docker when it is on PATH, else podman, else says what it tried and how to set engine", async () => {
    const bin = realpathSync(mkdtempSync(join(tmpdir(), "runnable-engines-")));
    const withDocker = join(bin, "docker-here");
    const withPodman = join(bin, "podman-here");
    mkdirSync(withDocker);
    mkdirSync(withPodman);
    writeFileSync(join(withDocker, "docker"), "#!/bin/sh\necho \"this docker has no engine\" >&2\nexit 1\n");
    chmodSync(join(withDocker, "docker"), 0o755);
    symlinkSync(podman, join(withPodman, "podman"));
    await withPath([withDocker, withPodman], async () => {
      await expect(check()).rejects.toMatchObject({ code: "E_IMAGE_NOT_FOUND", message: expect.stringContaining(`not available to ${join(withDocker, "docker")}`) });
      await expect(check()).rejects.toMatchObject({ message: expect.stringContaining("this docker has no engine") });
      await expect(check("podman")).resolves.toBeUndefined();
    });
    await withPath([withPodman], () => expect(check()).resolves.toBeUndefined());
    await withPath([bin], () => expect(check()).rejects.toMatchObject({ code: "E_ENGINE_NOT_FOUND", message: expect.stringMatching(/tried docker on PATH, podman on PATH.*set engine:/) }));
  });
});

describe("local-container job executor (real podman containers)", () => {
  const SDK = JSON.stringify(join(__dirname, "..", "packages", "sdk"));
  function jobProject(): string {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-lc-job-")));
    const config = { image: TEST_IMAGE, engine: "podman", run_args: testImageRunArgs() };
    writeFileSync(join(dir, "runnable-config.yaml"), `job-executor: { type: local-container, config: ${JSON.stringify(config)} }\nrun-log-store: { type: chunked-fs }\n`);
    writeFileSync(
      join(dir, "jobs.js"),
      `const { FunctionJob, ShellJob } = require(${SDK});
const fs = require("fs");
exports.job = new FunctionJob({ returns: ["inside", "pid"], catalog: { put: ["out.txt"] }, fn: () => { fs.writeFileSync("out.txt", "made in a container"); return [fs.existsSync("/run/.containerenv"), process.pid]; } });
exports.failing = new FunctionJob({ fn: () => { throw new Error("job broke in a container"); } });
exports.shellFailing = new ShellJob({ command: "echo nope >&2; exit 3" });
`,
    );
    return dir;
  }
  const show = (dir: string, id: string) =>
    JSON.parse(runCli(["show", id, "--json"], { cwd: dir }).stdout) as {
      status: string;
      parameters: Record<string, { value: unknown }>;
      job: { status: string; message: string; code_identities: { code_identifier_type: string }[]; attempts: { code_identities: { code_identifier_type: string }[] }[] };
    };

  it("runs a passing job in a container: exit code 0, returns, catalog, the image as code identity", () => {
    const dir = jobProject();
    const out = runCli(["execute-job", "jobs.js", "--run-id", "lcj1"], { cwd: dir });
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    const log = show(dir, "lcj1");
    expect(log.status).toBe("SUCCESS");
    expect(log.parameters.inside?.value).toBe(true);
    expect(log.parameters.pid?.value).not.toBe(process.pid);
    expect(readFileSync(join(dir, ".catalog", "lcj1", "out.txt"), "utf8")).toBe("made in a container");
    expect(log.job.attempts[0]?.code_identities.map((c) => c.code_identifier_type)).toContain("docker");
    expect(log.job.code_identities.map((c) => c.code_identifier_type)).toContain("docker");
    expectNoContainersLeft("lcj1");
  });

  it("exits 1 for failing function and shell jobs, recording why", () => {
    const dir = jobProject();
    const failed = runCli(["execute-job", "jobs.js", "--export", "failing", "--run-id", "lcj2"], { cwd: dir });
    expect(failed.code).toBe(1);
    expect(show(dir, "lcj2")).toMatchObject({ status: "FAIL", job: { status: "FAIL", message: "job broke in a container" } });
    const shell = runCli(["execute-job", "jobs.js", "--export", "shellFailing", "--run-id", "lcj3"], { cwd: dir });
    expect(shell.code).toBe(1);
    expect(show(dir, "lcj3").job.message).toBe("command exited with code 3: nope");
    expectNoContainersLeft("lcj2");
    expectNoContainersLeft("lcj3");
  });

  it("fails before running when the job's image does not exist", () => {
    const dir = jobProject();
    writeFileSync(join(dir, "runnable-config.yaml"), `job-executor: { type: local-container, config: { image: "localhost/absent-job-image:1", engine: podman } }\nrun-log-store: { type: chunked-fs }\n`);
    const out = runCli(["execute-job", "jobs.js", "--run-id", "lcj4"], { cwd: dir });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/error\[E_IMAGE_NOT_FOUND\]: .*"localhost\/absent-job-image:1"/);
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

describe("local-container: suspend and resume", () => {
  it("suspends a step in its container (the host adopts SUSPENDED) and resumes it in a new container with the data", async () => {
    const p = project(
      `dag:
  start_at: first
  steps:
    first: { type: task, command: ./steps.js#where, returns: [first], next: approve }
    approve: { type: task, command: ./steps.js#approve, returns: [approved], next: last }
    last: { type: task, command: ./steps.js#where, returns: [last], next: success }
`,
      containerConfig(),
    );
    const first = await run(p, { runId: "lc-suspend" });
    expect(first.status).toBe("SUSPENDED");
    expect(first.runLog.steps.approve!.attempts[0]).toMatchObject({ status: "SUSPENDED", suspend_payload: { inContainer: true } });
    expect(first.runLog.steps.last).toBeUndefined();
    const definition = await loadDefinition(p.file, p.dir);
    const resumed = await runPipeline(definition.graph, { definition: definition.source, cwd: p.dir, configurationFile: p.config, env: {}, retryRunId: "lc-suspend", resume: { data: { ok: "yes" } } });
    expect(resumed.status).toBe("SUCCESS");
    expect(resumed.runLog.parameters.approved?.value).toEqual(["yes", true]);
    expect(resumed.runLog.steps.first!.attempts).toHaveLength(1);
    expectNoContainersLeft("lc-suspend");
  });
});
