import { spawnSync } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const BIN = resolve(__dirname, "..", "dist", "bin.js");

describe("CLI start-up", () => {
  let dir: string;
  beforeEach(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-start-up-")));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("runs a CommonJS pipeline without starting Node's ES module loader (it would parse every CommonJS file again)", () => {
    writeFileSync(join(dir, "one.yaml"), "dag:\n  start_at: one\n  steps:\n    one: { type: task, command: ./one.js#one, next: success }\n");
    writeFileSync(join(dir, "one.js"), "exports.one = () => 1;\n");
    writeFileSync(join(dir, "runnable-config.yaml"), "run-log-store: buffered\ncatalog: do-nothing\n");
    // Node loads its ES module translators only when something is imported as an ES module.
    writeFileSync(join(dir, "probe.js"), 'process.on("exit", () => process.stderr.write(`esm:${process.moduleLoadList.some((m) => m.includes("esm/translators"))}\\n`));\n');
    const result = spawnSync(process.execPath, ["-r", join(dir, "probe.js"), BIN, "execute", "one.yaml", "--quiet"], { cwd: dir, encoding: "utf8" });
    expect(result.stdout).toMatch(/: SUCCESS$/m);
    expect(result.stderr.trim()).toBe("esm:false");
  });
});
