import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "./support/cli";
import { seeingDir } from "./support/seeing";

describe("runnable graph", () => {
  it("--format mermaid names every step, composites nested, and runs nothing", () => {
    const dir = seeingDir();
    const result = runCli(["graph", "nested.yaml", "--format", "mermaid"], { cwd: dir });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toBe("flowchart TD");
    for (const step of ["start", "hello", "hi", "work", "flaky", "success", "fail"]) expect(result.stdout).toMatch(new RegExp(`\\["${step}<br/>|\\(\\["${step}<br/>`));
    for (const composite of ['"par (parallel)"', '"outer (map)"', '"inner (map)"', '"left"', '"right"']) expect(result.stdout).toContain(composite);
    // inner is nested inside outer's branch: its subgraph opens after outer's and before outer's end.
    const outer = lines.findIndex((l) => l.includes('"outer (map)"'));
    const inner = lines.findIndex((l) => l.includes('"inner (map)"'));
    expect(inner).toBeGreaterThan(outer);
    expect(lines[inner]!.search(/\S/)).toBeGreaterThan(lines[outer]!.search(/\S/));
    expect(result.stdout).toMatch(/s0 --> s1/);
    // Nothing ran: no run log, no catalog, no marker from the flaky step.
    for (const f of [".run_log_store", ".catalog", "marker"]) expect(existsSync(join(dir, f))).toBe(false);
  });

  it("prints text and dot, and reports definition errors as execute does", () => {
    const dir = seeingDir();
    const text = runCli(["graph", "nested.yaml"], { cwd: dir });
    expect(text.stdout).toMatch(/^start at start\nstart {2}\[task\] {2}→ par\npar {2}\[parallel\] {2}→ outer\n {2}branch left\n {4}start at hello/);
    const dot = runCli(["graph", "nested.yaml", "--format", "dot"], { cwd: dir });
    expect(dot.stdout).toMatch(/^digraph pipeline \{/);
    expect(dot.stdout).toContain('label="outer (map)"');
    expect(dot.stdout.trim().endsWith("}")).toBe(true);
    writeFileSync(join(dir, "bad.yaml"), "dag:\n  start_at: a\n  steps:\n    a: { type: task, command_type: shell, command: 'true', next: nowhere }\n");
    const bad = runCli(["graph", "bad.yaml"], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error\[E_GRAPH_INVALID\]:.*nowhere/s);
    const wrong = runCli(["graph", "nested.yaml", "--format", "svg"], { cwd: dir });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("error[E_USAGE]: --format must be one of text, mermaid, dot");
  });
});
