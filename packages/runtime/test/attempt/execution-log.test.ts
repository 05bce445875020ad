import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { ExecutionLog } from "../../src/attempt/execution-log";
import { MemoryCatalog } from "./fakes";

const spools = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith("runnable-log-"));

describe("ExecutionLog", () => {
  it("writes the header only before the first line, and nothing when nothing was written", async () => {
    const catalog = new MemoryCatalog();
    const log = new ExecutionLog();
    log.setParametersHeader({ a: 1 });
    await log.store(catalog, "r", "silent.log");
    expect(catalog.files.size).toBe(0);
    const talky = new ExecutionLog();
    const parameters: Record<string, unknown> = { a: 1 };
    talky.setParametersHeader(parameters);
    // The names are those when the header is written (the first line), not when it was set.
    parameters.b = 2;
    talky.write("one");
    talky.write("two");
    await talky.store(catalog, "r", "talky.log");
    expect(catalog.files.get("talky.log")?.toString()).toBe("Parameters available for the execution: a, b\none\ntwo");
  });

  it("spills a large log to a temporary file and streams it to the catalog, removing the file", async () => {
    const before = spools().length;
    const catalog = new MemoryCatalog();
    const log = new ExecutionLog();
    const line = "x".repeat(1023);
    for (let i = 0; i < 2048; i++) log.write(line);
    expect(spools().length).toBe(before + 1);
    await log.store(catalog, "r", "big.log");
    expect(catalog.calls).toEqual(["putStream big.log"]);
    expect(catalog.files.get("big.log")!.length).toBe(2048 * 1024 - 1);
    expect(spools().length).toBe(before);
  });

  it("falls back to one putBytes for a catalog without putStream", async () => {
    const catalog = new MemoryCatalog(false);
    const log = new ExecutionLog();
    for (let i = 0; i < 600; i++) log.write("y".repeat(1000));
    await log.store(catalog, "r", "big.log");
    expect(catalog.calls).toEqual(["putBytes big.log"]);
    expect(catalog.files.get("big.log")!.length).toBe(600 * 1001 - 1);
  });

  it("masks a secret even when it arrives split across writes, and in spilled parts", async () => {
    const catalog = new MemoryCatalog();
    const log = new ExecutionLog();
    log.mask(["TOPSECRET"]);
    log.write("start TOP");
    (log as unknown as { append(t: string): void }).append("SECRET end");
    for (let i = 0; i < 400; i++) log.write(`${"z".repeat(1000)}TOPSECRET`);
    await log.store(catalog, "r", "m.log");
    const text = catalog.files.get("m.log")!.toString();
    expect(text).not.toContain("TOPSECRET");
    expect(text.startsWith("start *** end\n")).toBe(true);
    expect(text.split("***").length - 1).toBe(401);
  });
});
