import { createFixtureProject, manifest, pluginModule, type FixtureProject } from "@runnable-ts/testing";
import { GraphError } from "@runnable-ts/sdk";
import { parseYamlPipeline } from "../src/yaml-pipeline";
import { closest } from "../src/yaml-step-keys";
import { run, workdir } from "./support";

/** The problems `runPipeline` reports for a YAML text (the run must not start). */
async function problemsOf(yaml: string, options: { dir?: string; config?: string } = {}): Promise<string[]> {
  const w = options.dir && options.config ? { dir: options.dir, config: options.config } : workdir();
  try {
    await run(parseYamlPipeline(yaml, "pipeline.yaml"), w);
  } catch (error) {
    if (error instanceof GraphError) return [...error.problems];
    throw error;
  }
  throw new Error("the pipeline ran");
}

const step = (body: string, type = "task"): string => `
dag:
  start_at: one
  steps:
    one:
      type: ${type}
${body
  .trim()
  .split("\n")
  .map((l) => `      ${l}`)
  .join("\n")}
`;

describe("YAML steps are checked strictly, with positions", () => {
  it("reports unknown task keys with a did-you-mean and the key's file:line:col", async () => {
    const problems = await problemsOf(step("command: echo hi\ncommand_type: shell\nretuns: [a]\nmax_attempt: 3\nnext: success"));
    expect(problems).toEqual([
      expect.stringMatching(/^pipeline\.yaml:9:7: step "one": unknown key "retuns" \(did you mean "returns"\?\); a task step takes .*returns/),
      expect.stringMatching(/^pipeline\.yaml:10:7: step "one": unknown key "max_attempt" \(did you mean "max_attempts"\?\)/),
    ]);
  });

  it("names the field and the expected type of a wrongly typed value (next: 5 is not reported as missing)", async () => {
    const problems = await problemsOf(step('command: echo hi\ncommand_type: shell\nmax_attempts: "3"\ntimeout_ms: -1\nnext: 5'));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^pipeline\.yaml:9:21: step "one": "max_attempts" must be a number, got string "3"/),
        expect.stringMatching(/^pipeline\.yaml:10:19: step "one": "timeout_ms" must be a positive number, got number -1/),
        expect.stringMatching(/^pipeline\.yaml:11:13: step "one": "next" must be the name of a step \(a string\), got number 5/),
      ]),
    );
    expect(problems.join("\n")).not.toMatch(/missing "next"/);
    expect(problems).toHaveLength(3);
  });

  it("checks nested mappings (returns, catalog) and list items", async () => {
    const problems = await problemsOf(step("command: echo hi\ncommand_type: shell\nreturns: [{ name: x, knd: json }, 4]\ncatalog: { get: [a], putt: [b] }\nnext: success"));
    expect(problems).toEqual([
      expect.stringMatching(/^pipeline\.yaml:9:28: step "one": unknown key "knd" in "returns\[0\]" \(did you mean "kind"\?\)/),
      expect.stringMatching(/^pipeline\.yaml:9:41: step "one": "returns\[1\]" must be a name, or "- name: x" with optional kind/),
      expect.stringMatching(/^pipeline\.yaml:10:28: step "one": unknown key "putt" in "catalog" \(did you mean "put"\?\)/),
    ]);
  });

  it("checks composite step types and reports semantic errors (bad next, cycles) with positions too", async () => {
    const yaml = `
dag:
  start_at: m
  steps:
    m:
      type: map
      iterate_on: xs
      iterate_as: x
      redcer: sum
      next: nowhere
      branch:
        start_at: a
        steps:
          a: { type: stub, anything: goes, next: b }
          b: { type: stub, next: a }
`;
    const problems = await problemsOf(yaml);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^pipeline\.yaml:9:7: step "m": unknown key "redcer" \(did you mean "reducer"\?\); a map step takes branch, iterate_as, iterate_on, next, on_failure, overrides, reducer, type$/),
        expect.stringMatching(/^pipeline\.yaml:10:13: step "m": next "nowhere" is not a step of pipeline/),
        expect.stringMatching(/^pipeline\.yaml:14:\d+: branch m\.\*: cycle m\.\*\.a -> m\.\*\.b -> m\.\*\.a/),
      ]),
    );
    // A stub takes any key (it stands in for a task, as in the reference).
    expect(problems.join("\n")).not.toMatch(/anything/);
  });

  it("reports graph shape problems with positions when the file is read", () => {
    expect(() => parseYamlPipeline("dag:\n  start_at: a\n  stepz: {}\n", "p.yaml")).toThrow(/p\.yaml:3:3: dag\.stepz: unknown key/);
    expect(() => parseYamlPipeline("dag:\n  start_at: a\n  steps:\n    a: { next: b }\n", "p.yaml")).toThrow(/p\.yaml:4:8: step "a" must be a mapping with a "type"/);
  });

  it("suggests only close keys", () => {
    expect(closest("retuns", ["returns", "secrets"])).toBe("returns");
    expect(closest("max_attempt", ["max_attempts", "timeout_ms"])).toBe("max_attempts");
    expect(closest("zzz", ["returns", "secrets"])).toBeUndefined();
  });
});

describe("task types extend the keys of their steps", () => {
  let project: FixtureProject;
  beforeAll(() => {
    project = createFixtureProject({
      packageJson: { dependencies: { "sketch-task": "1" } },
      installed: {
        "sketch-task": {
          packageJson: { main: "index.js", runnable: manifest("task", "sketchbook", "./index.js#sketchbook") },
          files: {
            "index.js": pluginModule({
              format: "cjs",
              exportName: "sketchbook",
              kind: "task",
              name: "sketchbook",
              useSdk: true,
              create: "{ stepKeys: { kernel: z.string() }, execute: async () => ({}) }",
            }),
          },
        },
      },
      link: ["@runnable-ts/sdk"],
      files: { "config.yaml": "run-log-store: { type: buffered }\ncatalog: { type: do-nothing }\n" },
    });
  });
  afterAll(() => project.remove());

  const at = (): { dir: string; config: string } => ({ dir: project.dir, config: `${project.dir}/config.yaml` });

  it("accepts the keys a task type declares on steps of that command_type", async () => {
    const result = await run(parseYamlPipeline(step("command_type: sketchbook\ncommand: nb.ipynb\nkernel: python3\nnext: success"), "pipeline.yaml"), at());
    expect(result.status).toBe("SUCCESS");
  });

  it("checks them like the built-in keys (type and did-you-mean), and only for that command_type", async () => {
    expect(await problemsOf(step("command_type: sketchbook\ncommand: nb.ipynb\nkernal: python3\nnext: success"), at())).toEqual([
      expect.stringMatching(/^pipeline\.yaml:9:7: step "one": unknown key "kernal" \(did you mean "kernel"\?\)/),
    ]);
    expect(await problemsOf(step("command_type: sketchbook\ncommand: nb.ipynb\nkernel: 3\nnext: success"), at())).toEqual([
      expect.stringMatching(/"kernel" must be a string, got number 3/),
    ]);
    expect(await problemsOf(step("command_type: shell\ncommand: echo\nkernel: python3\nnext: success"), at())).toEqual([expect.stringMatching(/unknown key "kernel"/)]);
  });
});
