import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI, runCli } from "./support/cli";

interface Seen {
  step: string;
  pid: number;
  started: number;
  exited?: number;
  cwd: string;
  mark: string | undefined;
  prestartSwitch: string | undefined;
  argv: string[];
  /** Standard input is /dev/null, as the subprocess launcher gives a fresh process. */
  stdinIsNull: boolean;
}

describe("emulator: the next step's process is started while a step runs", () => {
  let dir: string;
  beforeEach(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-prestart-")));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("runs every step in its own fresh process, started before the previous step's process ended, with the run's environment, folder and command line", () => {
    const out = join(dir, "seen.jsonl");
    writeFileSync(join(dir, "config.yaml"), "pipeline-executor: emulator\nrun-log-store: chunked-fs\ncatalog: do-nothing\n");
    const steps = ["a", "b", "c"].map((s, i, all) => `    ${s}: { type: task, command: ./steps.js#record, next: ${all[i + 1] ?? "success"} }`).join("\n");
    writeFileSync(join(dir, "pipeline.yaml"), `dag:\n  start_at: a\n  steps:\n${steps}\n`);
    writeFileSync(
      join(dir, "steps.js"),
      `const { appendFileSync, fstatSync } = require("node:fs");
exports.record = () => {
  const seen = { step: process.argv[5], pid: process.pid, started: performance.timeOrigin, cwd: process.cwd(), mark: process.env.MARK, prestartSwitch: process.env.RUNNABLE_PRESTARTED, argv: process.argv.slice(2, 4), stdinIsNull: fstatSync(0).isCharacterDevice() };
  appendFileSync(${JSON.stringify(out)}, JSON.stringify(seen) + "\\n");
  process.on("exit", () => appendFileSync(${JSON.stringify(out)}, JSON.stringify({ step: seen.step, exited: Date.now() }) + "\\n"));
};
`,
    );
    const result = runCli(["execute", "pipeline.yaml", "-c", "config.yaml", "--run-id", "pre1", "--quiet"], { cwd: join(dir), env: { MARK: "host" } });
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/pre1: SUCCESS/);
    const lines = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Partial<Seen>);
    const ran = new Map(lines.filter((l) => l.pid !== undefined).map((l) => [l.step!, l as Seen]));
    for (const l of lines) if (l.exited !== undefined) ran.get(l.step!)!.exited = l.exited;
    expect([...ran.keys()]).toEqual(["a", "b", "c"]);
    const seen = [...ran.values()];
    expect(new Set(seen.map((s) => s.pid)).size).toBe(3);
    for (const s of seen) {
      expect(s).toMatchObject({ cwd: dir, mark: "host", argv: ["execute-single-node", "pre1"], stdinIsNull: true });
      expect(s.prestartSwitch).toBeUndefined();
      expect(s.exited).toBeDefined();
    }
    // b's and c's processes were already running (loading the CLI) before a's and b's had ended.
    expect(seen[1]!.started).toBeLessThan(seen[0]!.exited!);
    expect(seen[2]!.started).toBeLessThan(seen[1]!.exited!);
  });

  it("launches as usual when the CLI cannot be prestarted (it ends instead of getting ready)", () => {
    writeFileSync(join(dir, "config.yaml"), "pipeline-executor: emulator\nrun-log-store: chunked-fs\ncatalog: do-nothing\n");
    writeFileSync(join(dir, "pipeline.yaml"), "dag:\n  start_at: a\n  steps:\n    a: { type: task, command: ./steps.js#one, returns: [x], next: b }\n    b: { type: task, command: ./steps.js#two, returns: [y], next: success }\n");
    writeFileSync(join(dir, "steps.js"), "exports.one = () => 1;\nexports.two = ({ x }) => x + 1;\n");
    // A CLI that does not know the switch: it prints its help and ends.
    const older = join(dir, "older-cli.js");
    writeFileSync(older, `require("node:fs").appendFileSync(${JSON.stringify(join(dir, "cli-starts"))}, process.env.RUNNABLE_PRESTARTED ? "prestart\\n" : "plain\\n");\nif (process.env.RUNNABLE_PRESTARTED) { console.log("usage: runnable ..."); process.exit(0); }\nrequire(${JSON.stringify(CLI)});\n`);
    const result = runCli(["execute", "pipeline.yaml", "-c", "config.yaml", "--run-id", "pre2", "--json"], { cwd: dir, env: { RUNNABLE_CLI: older } });
    expect(result.stderr).toBe("");
    const log = JSON.parse(result.stdout) as { status: string; parameters: Record<string, { value: unknown }> };
    expect(log.status).toBe("SUCCESS");
    expect(log.parameters.y?.value).toBe(2);
    // One attempt at prestarting, then both steps in plain processes.
    expect(readFileSync(join(dir, "cli-starts"), "utf8").split("\n").filter(Boolean).sort()).toEqual(["plain", "plain", "prestart"]);
  });
});
