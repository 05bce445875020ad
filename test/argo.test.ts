import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadDefinition, runPipeline, withRunLogStore } from "@runnable-ts/runtime";
import { ensureTestImage, REPO_ROOT, TEST_IMAGE } from "@runnable-ts/testing";
import type { BranchLog, RunLog, StepLog } from "@runnable-ts/sdk";
import { evalDepends, runWorkflow, type ContainerRunner } from "./support/argo-runner";
import { podmanRunner } from "./support/argo-podman";
import { workflowProblems } from "@runnable-ts/pipeline-executor-argo";
import { runCli } from "./support/cli";

jest.setTimeout(240_000);

const STEPS = `
const fs = require("fs");
exports.items = () => [1, 2];
exports.square = ({ item }) => { if (item === 2 && !fs.existsSync(__dirname + "/fixed")) throw new Error("not fixed yet"); return item * item; };
exports.hello = () => "hi";
`;
const PIPELINE = `
dag:
  start_at: load
  steps:
    load: { type: task, command: ./steps.js#items, returns: [{ name: items }], next: squares }
    squares:
      type: map
      iterate_on: items
      iterate_as: item
      branch:
        start_at: square
        steps:
          square: { type: task, command: ./steps.js#square, returns: [{ name: sq }], next: success }
      next: greet
    greet: { type: task, command: ./steps.js#hello, returns: [{ name: greeting }], next: success }
`;

/** Every kind of step: a composite first (its fan-out creates the run log), parameters (file, scalar and not), a nested map in a parallel, conditional, catalog, on_failure, retries, secrets, a loop. */
const BROAD_STEPS = `
const fs = require("fs");
const path = require("path");
exports.items = ({ count }) => Array.from({ length: count }, (_, i) => i + 1);
exports.square = ({ item, nested }) => item * item + nested.add;
exports.shout = ({ greeting }) => [greeting.toUpperCase(), "heads"];
exports.write = () => { fs.writeFileSync(path.join(__dirname, "out.txt"), "made"); return 1; };
exports.read = () => fs.readFileSync(path.join(__dirname, "out.txt"), "utf8");
exports.fail = () => { throw new Error("expected failure"); };
exports.recover = () => "recovered";
exports.flaky = (_, ctx) => { const f = path.join(__dirname, "flaky-marker"); if (!fs.existsSync(f)) { fs.writeFileSync(f, ""); throw new Error("first attempt fails"); } return ctx.secrets.API_KEY.length; };
exports.tick = ({ n, i }) => [n + 1, i >= 1];
`;
const BROAD = `
dag:
  start_at: both
  steps:
    both:
      type: parallel
      branches:
        left:
          start_at: make
          steps:
            make: { type: task, command: ./steps.js#items, returns: [items], next: squares }
            squares:
              type: map
              iterate_on: items
              iterate_as: item
              branch: { start_at: square, steps: { square: { type: task, command: ./steps.js#square, returns: [sq], next: success } } }
              next: success
        right:
          start_at: shout
          steps:
            shout: { type: task, command: ./steps.js#shout, returns: [loud, side], next: success }
      next: pick
    pick:
      type: conditional
      parameter: side
      branches:
        heads: { start_at: put, steps: { put: { type: task, command: ./steps.js#write, returns: [wrote], catalog: { put: [out.txt] }, next: success } } }
        tails: { start_at: t, steps: { t: { type: stub, next: success } } }
      next: risky
    risky: { type: task, command: ./steps.js#fail, on_failure: recover, next: flaky }
    recover: { type: task, command: ./steps.js#recover, returns: [how], next: flaky }
    flaky: { type: task, command: ./steps.js#flaky, returns: [key_length], max_attempts: 2, secrets: [API_KEY], next: looped }
    looped:
      type: loop
      max_iterations: 3
      break_on: done
      index_as: i
      branch: { start_at: tick, steps: { tick: { type: task, command: ./steps.js#tick, returns: [n, done], next: success } } }
      next: success
`;

function project(extraConfig = "", pipeline = PIPELINE, steps = STEPS): { dir: string; pvc: string } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-argo-")));
  const pvc = join(dir, "..", `${dir.split("/").pop()}-pvc`);
  mkdirSync(pvc);
  symlinkSync(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
  writeFileSync(join(dir, "steps.js"), steps);
  writeFileSync(join(dir, "pipeline.yaml"), pipeline);
  writeFileSync(join(dir, "params.yaml"), "count: 2\ngreeting: hello\nn: 0\nnested: { add: 10 }\n");
  writeFileSync(
    join(dir, "argo.yaml"),
    `pipeline-executor:
  type: argo
  config:
    image: ${TEST_IMAGE}
    volumes: [{ name: runnable, claim_name: runnable-pvc, mount_path: /mnt/runnable }]
${extraConfig}run-log-store: { type: chunked-fs, config: { log_folder: /mnt/runnable/run-logs } }
catalog: { type: file-system, config: { catalog_location: /mnt/runnable/catalog } }
secrets: { type: env-secrets }
`,
  );
  writeFileSync(join(dir, "local.yaml"), `run-log-store: { type: chunked-fs, config: { log_folder: ${pvc}/local-logs } }\ncatalog: { type: file-system, config: { catalog_location: ${pvc}/local-catalog } }\nsecrets: { type: env-secrets }\n`);
  return { dir, pvc };
}

/** Steps, statuses and parameters of a run log, at any depth. */
function summary(log: RunLog): unknown {
  const steps = (s: Record<string, StepLog>): unknown =>
    Object.fromEntries(Object.values(s).map((x) => [x.internal_name, { status: x.status, attempts: x.attempts.length, branches: Object.fromEntries(Object.values(x.branches).map((b: BranchLog) => [b.internal_name, { status: b.status, parameters: b.parameters, steps: steps(b.steps) }])) }]));
  return { status: log.status, parameters: log.parameters, steps: steps(log.steps) };
}

async function readLog(folder: string, runId: string): Promise<RunLog> {
  const cfg = join(folder, "read.yaml");
  writeFileSync(cfg, `run-log-store: { type: chunked-fs, config: { log_folder: ${folder} } }\n`);
  return withRunLogStore({ cwd: folder, configurationFile: cfg }, (store) => store.getRunLog(runId));
}

/** The parts of a manifest the tests below read or change (everything else stays as built). */
type Editable = {
  spec: { parallelism?: unknown; templates: { dag?: { tasks: Record<string, unknown>[] }; container?: { args: string[] }; [field: string]: unknown }[] };
};

describe("argo runner semantics (hand-written manifests, fake containers)", () => {
  const container =
    (fail: Set<string>, seen: string[]): ContainerRunner =>
    async ({ template, container: c, outputPaths }) => {
      seen.push(`${template}:${(c.args ?? []).join(" ")}`);
      return { exitCode: fail.has(template) ? 1 : 0, outputs: Object.fromEntries(outputPaths.map((p) => [p, JSON.stringify([{ key: "a" }, { key: "b" }])])) };
    };
  const wf = (templates: unknown[]) => ({ kind: "Workflow", spec: { entrypoint: "main", arguments: { parameters: [{ name: "x", value: "{{workflow.name}}" }] }, templates } });
  const c = (name: string, extra: object = {}) => ({ name, container: { image: "i", command: ["x"], args: ["{{workflow.parameters.x}}"] }, ...extra });

  test("depends, withParam over an output, when per item, retryStrategy.limit, failure handled by depends", async () => {
    const seen: string[] = [];
    const out = await runWorkflow(
      wf([
        { name: "main", dag: { failFast: false, tasks: [
          { name: "gen", template: "gen" },
          { name: "each", template: "echo", depends: "gen.Succeeded", withParam: "{{tasks.gen.outputs.parameters.list}}", when: "'{{item.key}}' == 'b'", arguments: { parameters: [{ name: "k", value: "{{item.key}}" }] } },
          { name: "flaky", template: "flaky", depends: "each" },
          { name: "recover", template: "echo", depends: "flaky.Failed", arguments: { parameters: [{ name: "k", value: "r" }] } },
          { name: "never", template: "echo", depends: "flaky.Succeeded", arguments: { parameters: [{ name: "k", value: "n" }] } },
        ] } },
        c("gen", { outputs: { parameters: [{ name: "list", valueFrom: { path: "/tmp/o" } }] } }),
        { name: "echo", inputs: { parameters: [{ name: "k" }] }, container: { image: "i", command: ["echo"], args: ["{{inputs.parameters.k}}"] } },
        c("flaky", { retryStrategy: { limit: 2 } }),
      ]),
      { name: "wf1", container: container(new Set(["flaky"]), seen) },
    );
    expect(seen).toEqual(["gen:wf1", "echo:b", "flaky:wf1", "flaky:wf1", "flaky:wf1", "echo:r"]);
    expect(out.phase).toBe("Succeeded");
  });

  test("an unhandled failure fails the DAG; recursion through templates; dependencies list", async () => {
    const seen: string[] = [];
    const out = await runWorkflow(
      wf([
        { name: "main", dag: { tasks: [{ name: "a", template: "inner" }, { name: "b", template: "bad", dependencies: ["a"] }] } },
        { name: "inner", dag: { tasks: [{ name: "x", template: "ok" }] } },
        c("ok"),
        c("bad"),
      ]),
      { name: "wf2", parameters: { x: "given" }, container: container(new Set(["bad"]), seen) },
    );
    expect(seen).toEqual(["ok:given", "bad:given"]);
    expect(out.phase).toBe("Failed");
    expect(evalDepends("(a.Succeeded || a.Failed) && b.Omitted", new Map([["a", "Failed"], ["b", "Omitted"]]))).toBe(true);
  });
});

describe("manifest checks", () => {
  const base = () => ({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Workflow",
    metadata: { generateName: "p-" },
    spec: {
      entrypoint: "main",
      arguments: { parameters: [{ name: "run_id", value: "{{workflow.name}}" }] },
      templates: [
        { name: "main", dag: { tasks: [{ name: "a", template: "c" }, { name: "b", template: "c", depends: "a.Succeeded" }] } },
        { name: "c", container: { name: "main", image: "i", args: ["{{workflow.parameters.run_id}}"] } },
      ],
    },
  });

  test("the strict pass finds unknown fields and references that do not resolve", () => {
    expect(workflowProblems(base())).toEqual([]);
    const bad = base() as unknown as Editable;
    bad.spec.templates[0]!.dag!.tasks.push({ name: "Bad_Name", template: "nope", depends: "ghost.Succeeded", withParam: "{{tasks.a.outputs.parameters.list}}" });
    bad.spec.templates[1]!.contianer = {};
    bad.spec.templates[1]!.container!.args.push("{{inputs.parameters.z}}", "{{workflow.parameters.w}}");
    expect(workflowProblems(bad)).toEqual([
      "spec.templates[1].contianer: unknown field",
      "template main task Bad_Name: name is not DNS-1123",
      "template main task Bad_Name: template nope does not exist",
      "template main task Bad_Name: depends on unknown task ghost",
      "template main task Bad_Name: {{tasks.a.outputs.parameters.list}} does not resolve",
      "template c: {{inputs.parameters.z}} does not resolve",
      "template c: {{workflow.parameters.w}} does not resolve",
    ]);
  });

  test("Argo's schema (@kubernetes-models/argo-workflows, an ES module run in node) refuses wrong types", () => {
    const script = `import("${join(REPO_ROOT, "plugins/pipeline-executor-argo/dist/index.js")}").then(async (m) => { const d = JSON.parse(process.argv[1]); console.log(JSON.stringify([await m.schemaProblems(d[0]), await m.schemaProblems(d[1])])); })`;
    const wrong = base() as unknown as Editable;
    wrong.spec.parallelism = "many";
    const out = execFileSync(process.execPath, ["-e", script, JSON.stringify([base(), wrong])], { encoding: "utf8" });
    const [good, bad] = JSON.parse(out) as string[][];
    expect(good).toEqual([]);
    expect(bad?.join("\n")).toMatch(/Argo schema:.*parallelism/s);
  });
});

describe("argo executor", () => {
  test("a chain longer than an Argo DAG holds is split into DAG templates that run in order; a failure still reaches the fail step", async () => {
    const n = 320;
    const chain = `dag:\n  start_at: s0\n  steps:\n${Array.from({ length: n }, (_, i) => `    s${i}: { type: task, command: ./steps.js#hello, next: ${i === n - 1 ? "success" : `s${i + 1}`} }`).join("\n")}\n`;
    const p = project("", chain);
    expect((await runCli(["execute", "-c", "argo.yaml", "pipeline.yaml"], { cwd: p.dir })).stderr).toBe("");
    const manifest = JSON.parse(readFileSync(join(p.dir, "argo-pipeline.yaml"), "utf8")) as Editable;
    expect(Math.max(...manifest.spec.templates.map((t) => t.dag?.tasks.length ?? 0))).toBeLessThanOrEqual(200);
    const steps = (failAt?: string): ContainerRunner => async ({ container: c }) => ({ exitCode: c.args[3] === failAt || (failAt && c.args[3] === "fail") ? 1 : 0, outputs: {} });
    const ok = await runWorkflow(manifest, { name: "w", container: steps() });
    expect(ok.phase).toBe("Succeeded");
    expect(ok.pods.map((pod) => pod.args[3])).toEqual([...Array.from({ length: n }, (_, i) => `s${i}`), "success"]);
    const failed = await runWorkflow(manifest, { name: "w", container: steps("s200") });
    expect(failed.phase).toBe("Failed");
    expect(failed.pods.map((pod) => pod.args[3]).slice(-2)).toEqual(["s200", "fail"]);
  });

  test("bad config and definitions are coded errors before anything is written", async () => {
    const p = project();
    const bad = async (config: string, pipeline = PIPELINE) => {
      writeFileSync(join(p.dir, "bad.yaml"), config);
      writeFileSync(join(p.dir, "p2.yaml"), pipeline);
      const r = await runCli(["execute", "-c", "bad.yaml", "p2.yaml"], { cwd: p.dir });
      expect(existsSync(join(p.dir, "argo-pipeline.yaml"))).toBe(false);
      return r.stderr;
    };
    expect(await bad("pipeline-executor: { type: argo, config: { image: x, imagee: y } }\n")).toMatch(/error\[E_CONFIG_INVALID\][\s\S]*imagee/);
    expect(await bad("pipeline-executor: { type: argo, config: {} }\n")).toMatch(/error\[E_CONFIG_INVALID\][\s\S]*image/);
    expect(await bad("pipeline-executor: { type: argo, config: { image: x } }\n", PIPELINE.replace("next: greet", "next: greet\n      overrides: { argo: gpu }"))).toMatch(/E_CONFIG_INVALID[\s\S]*override "gpu"/);
    expect(await bad("pipeline-executor: { type: argo, config: { image: x } }\n", PIPELINE.replace("next: greet", "next: Grüß").replace("    greet: {", "    Grüß: {"))).toMatch(/E_GRAPH_INVALID[\s\S]*Grüß[\s\S]*DNS-1123/);
  });

  test("cron gives a CronWorkflow; secrets become secretKeyRef with no value in the manifest", async () => {
    const p = project("    cron: { schedules: [\"0 3 * * *\"] }\n    secrets_from_k8s: pipeline-secrets\n");
    writeFileSync(join(p.dir, "pipeline.yaml"), PIPELINE.replace("returns: [{ name: greeting }]", "returns: [{ name: greeting }], secrets: [API_KEY]"));
    const r = await runCli(["execute", "-c", "argo.yaml", "pipeline.yaml"], { cwd: p.dir, env: { API_KEY: "s3cr3t-value" } });
    expect(r.code).toBe(0);
    const text = readFileSync(join(p.dir, "argo-pipeline.yaml"), "utf8");
    const m = JSON.parse(text);
    expect(m.kind).toBe("CronWorkflow");
    expect(m.spec.schedules).toEqual(["0 3 * * *"]);
    expect(text).toContain('"secretKeyRef": {\n');
    expect(text).not.toContain("s3cr3t-value");
  });

  test("the manifest, executed in podman containers, leaves the run log of a local run; a failed map iteration is retried alone with retry_run_id", async () => {
    const podman = ensureTestImage();
    const p = project();
    const compiled = await runCli(["execute", "-c", "argo.yaml", "pipeline.yaml"], { cwd: p.dir });
    expect(compiled.stderr).toBe("");
    expect(compiled.stdout).toContain("argo: wrote Workflow");
    expect(existsSync(join(p.pvc, "run-logs"))).toBe(false); // nothing ran
    const manifest = JSON.parse(readFileSync(join(p.dir, "argo-pipeline.yaml"), "utf8"));
    const container = podmanRunner({ podman, project: p.dir, pvcs: { runnable: p.pvc } });

    const first = await runWorkflow(manifest, { name: "wf-first", container });
    expect(first.phase).toBe("Failed");
    const failed = await readLog(join(p.pvc, "run-logs"), "wf-first");
    expect(failed.status).toBe("FAIL");

    writeFileSync(join(p.dir, "fixed"), "");
    const retry = await runWorkflow(manifest, { name: "wf-retry", parameters: { retry_run_id: "wf-first" }, container });
    expect(retry.phase).toBe("Succeeded");
    // Only the failed iteration's pods ran again (the fan-out lists only branches that have not succeeded).
    expect(retry.pods.filter((pod) => pod.args[0] === "execute-single-node" && String(pod.args[3]).startsWith("squares.")).map((pod) => pod.args[3])).toEqual(["squares.2.square", "squares.2.success"]);
    const log = await readLog(join(p.pvc, "run-logs"), "wf-first");
    expect(log.status).toBe("SUCCESS");
    const squares = log.steps.squares as StepLog;
    const attempts = Object.fromEntries(Object.values(squares.branches).map((b) => [b.internal_name, (b.steps[`${b.internal_name}.square`] as StepLog).attempts.length]));
    expect(attempts).toEqual({ "squares.1": 1, "squares.2": 2 });

    // The same pipeline run locally, failing and retried the same way, leaves the same steps, statuses, attempts and parameters.
    rmSync(join(p.dir, "fixed"));
    const definition = await loadDefinition("pipeline.yaml", p.dir);
    const local = { definition: definition.source, cwd: p.dir, configurationFile: join(p.dir, "local.yaml"), env: {} };
    expect((await runPipeline(definition.graph, { ...local, runId: "local-1" })).status).toBe("FAIL");
    writeFileSync(join(p.dir, "fixed"), "");
    const retried = await runPipeline(definition.graph, { ...local, retryRunId: "local-1" });
    expect(summary(log)).toEqual(summary(retried.runLog));
  });

  test("every kind of step, executed in podman containers from the manifest, leaves the run log of a local run; no task ran while compiling", async () => {
    const podman = ensureTestImage();
    const p = project("    secrets_from_k8s: pipeline-secrets\n", BROAD, BROAD_STEPS);
    const compiled = await runCli(["execute", "-c", "argo.yaml", "-p", "params.yaml", "pipeline.yaml"], { cwd: p.dir, env: { API_KEY: "k3y-value-123" } });
    expect(compiled.stderr).toBe("");
    expect(existsSync(join(p.dir, "out.txt")) || existsSync(join(p.dir, "flaky-marker")) || existsSync(join(p.pvc, "run-logs"))).toBe(false);
    const text = readFileSync(join(p.dir, "argo-pipeline.yaml"), "utf8");
    expect(text).not.toContain("k3y-value-123");
    const manifest = JSON.parse(text);
    expect(manifest.spec.arguments.parameters.map((a: { name: string }) => a.name)).toEqual(["run_id", "retry_run_id", "retry_indicator", "count", "greeting", "n"]);
    const container = podmanRunner({ podman, project: p.dir, pvcs: { runnable: p.pvc }, secrets: { API_KEY: "k3y-value-123" } });
    const outcome = await runWorkflow(manifest, { name: "wf-broad", container });
    expect(outcome.phase).toBe("Succeeded");
    // The loop is a recursive template: a `fan … next` pod per iteration (and one that finds it done), then the fan-in.
    expect(outcome.pods.filter((pod) => pod.args[0] === "fan" && pod.args[3] === "looped").map((pod) => pod.args[4])).toEqual(["next", "next", "next", "in"]);
    // The flaky step's pod ran twice (retryStrategy), one attempt each.
    expect(outcome.pods.filter((pod) => pod.args.includes("flaky")).map((pod) => pod.exitCode)).toEqual([1, 0]);
    const log = await readLog(join(p.pvc, "run-logs"), "wf-broad");

    rmSync(join(p.dir, "flaky-marker"));
    process.env.API_KEY = "k3y-value-123";
    const definition = await loadDefinition("pipeline.yaml", p.dir);
    const local = await runPipeline(definition.graph, { definition: definition.source, cwd: p.dir, configurationFile: join(p.dir, "local.yaml"), parametersFile: "params.yaml", runId: "local-b", env: {} });
    delete process.env.API_KEY;
    expect(local.status).toBe("SUCCESS");
    expect(summary(log)).toEqual(summary(local.runLog));
    expect(log.steps.flaky?.attempts.map((a) => a.status)).toEqual(["FAIL", "SUCCESS"]);
    expect(log.parameters.n?.value).toBe(2);
    expect(log.parameters.key_length?.value).toBe(13);
    expect(JSON.stringify(log)).not.toContain("k3y-value-123");
  });
});

describe("every example compiles to a valid Workflow, running nothing", () => {
  const examples = join(REPO_ROOT, "packages", "examples");
  const files = [
    ...["01-tasks", "02-sequential", "03-on-failure", "04-parameters", "05-catalog", "06-parallel", "07-map", "08-conditional", "09-loop", "10-secrets", "12-notebook"].map((f) => `src/${f}.ts`),
    "yaml/tasks.yaml",
    "yaml/map.yaml",
    "yaml/conditional.yaml",
  ];
  test.each(files)("%s", async (file) => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-argo-ex-")));
    writeFileSync(join(dir, "argo.yaml"), `pipeline-executor: { type: argo, config: { image: x, output_file: ${dir}/wf.yaml, secrets_from_k8s: s } }\nrun-log-store: { type: chunked-fs, config: { log_folder: ${dir}/logs } }\n`);
    const r = await runCli(["execute", "-c", join(dir, "argo.yaml"), file, "-p", "parameters.yaml"], { cwd: examples });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, "wf.yaml"), "utf8"));
    expect(workflowProblems(manifest)).toEqual([]);
    expect(manifest.spec.templates[0].container.args).toContain("--create");
    expect(existsSync(join(dir, "logs"))).toBe(false);
  });
});

describe("k8s-job executor", () => {
  const JOB = `const { FunctionJob } = require("@runnable-ts/sdk");\nexports.job = new FunctionJob({ returns: ["greeting"], fn: () => "hello from " + (require("fs").existsSync("/run/.containerenv") ? "a container" : "the host") });\n`;
  const config = (extra = "") =>
    `job-executor:\n  type: k8s-job\n  config:\n    image: ${TEST_IMAGE}\n    volumes: [{ name: runnable, claim_name: runnable-pvc, mount_path: /mnt/runnable }]\n${extra}run-log-store: { type: chunked-fs, config: { log_folder: /mnt/runnable/run-logs } }\n`;

  test("writes a batch/v1 Job that, executed as a container, fills the job log; nothing runs while compiling", async () => {
    const podman = ensureTestImage();
    const p = project();
    writeFileSync(join(p.dir, "job.js"), JOB);
    writeFileSync(join(p.dir, "k8s.yaml"), config());
    const compiled = await runCli(["execute-job", "-c", "k8s.yaml", "job.js", "--run-id", "job-run-1"], { cwd: p.dir });
    expect(compiled.stdout).toContain("k8s-job: wrote Job to k8s-job.yaml");
    expect(existsSync(join(p.pvc, "run-logs"))).toBe(false);
    const manifest = JSON.parse(readFileSync(join(p.dir, "k8s-job.yaml"), "utf8"));
    expect(manifest).toMatchObject({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "job-run-1" } });
    const pod = manifest.spec.template.spec.containers[0];
    expect(pod.args).toEqual(["execute-job", "job.js", "--run-id", "job-run-1", "-c", "k8s.yaml", "--export", "job"]);
    const run = await podmanRunner({ podman, project: p.dir, pvcs: { runnable: p.pvc } })({ template: "job", container: pod, outputPaths: [] });
    expect(run.exitCode).toBe(0);
    const log = await readLog(join(p.pvc, "run-logs"), "job-run-1");
    expect(log.status).toBe("SUCCESS");
    expect(log.job?.attempts.map((a) => a.status)).toEqual(["SUCCESS"]);
    expect(log.parameters.greeting?.value).toBe("hello from a container");
  });

  test("schedule gives a valid CronJob; submit without kubectl and unknown keys are clear errors", async () => {
    const p = project();
    writeFileSync(join(p.dir, "job.js"), JOB);
    writeFileSync(join(p.dir, "cron.yaml"), config('    schedule: "0 3 * * *"\n    output_file: cron.yaml.out\n'));
    expect((await runCli(["execute-job", "-c", "cron.yaml", "job.js"], { cwd: p.dir })).code).toBe(0);
    const cron = JSON.parse(readFileSync(join(p.dir, "cron.yaml.out"), "utf8"));
    expect(cron).toMatchObject({ kind: "CronJob", spec: { schedule: "0 3 * * *" } });
    expect(cron.spec.jobTemplate.spec.template.spec.containers[0].args).not.toContain("--run-id");
    writeFileSync(join(p.dir, "submit.yaml"), config("    submit: true\n"));
    const submit = await runCli(["execute-job", "-c", "submit.yaml", "job.js"], { cwd: p.dir, env: { PATH: join(p.dir, "no-bin") } });
    expect(submit.stderr).toMatch(/^error\[E_ENGINE_NOT_FOUND\]: k8s-job: submit: true needs kubectl/);
    writeFileSync(join(p.dir, "typo.yaml"), config("    backoff_limt: 2\n"));
    expect((await runCli(["execute-job", "-c", "typo.yaml", "job.js"], { cwd: p.dir })).stderr).toMatch(/error\[E_CONFIG_INVALID\][\s\S]*backoff_limt/);
  });
});

