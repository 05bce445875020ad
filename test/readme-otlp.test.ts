import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { CLI } from "./support/cli";
import { seeingDir } from "./support/seeing";

describe("README: sending spans to an OTLP collector", () => {
  it("the README's tracing.js delivers the run's spans (and the emulator steps' spans) to an OTLP/HTTP endpoint", async () => {
    const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### OpenTelemetry"));
    const snippet = /```js\n([\s\S]*?)```/.exec(section)![1]!;
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8").on("data", (c: string) => (body += c));
      req.on("end", () => {
        if (req.method === "POST" && req.url === "/v1/traces") bodies.push(body);
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const dir = seeingDir();
      // The temp project has no node_modules: point the snippet's requires at this checkout's.
      const tracing = snippet
        .replace(/require\("(@opentelemetry\/[^"]+)"\)/g, (_m, name: string) => `require(${JSON.stringify(require.resolve(name))})`)
        .replace("http://127.0.0.1:4318/v1/traces", `http://127.0.0.1:${port}/v1/traces`);
      writeFileSync(join(dir, "tracing.js"), tracing);
      writeFileSync(join(dir, "emulator.yaml"), "pipeline-executor: { type: emulator }\nrun-log-store: { type: chunked-fs }\n");
      const child = spawn(process.execPath, [CLI, "execute", "failing.yaml", "-c", "emulator.yaml", "--run-id", "otlp1", "--quiet"], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_OPTIONS: `--require ${join(dir, "tracing.js")}` },
        stdio: "ignore",
      });
      expect(await new Promise((resolve) => child.on("exit", resolve))).toBe(1);
      const spans = bodies.flatMap((b) =>
        (JSON.parse(b) as { resourceSpans: { scopeSpans: { spans: { name: string; traceId: string; attributes: { key: string; value: { stringValue?: string } }[] }[] }[] }[] }).resourceSpans.flatMap((r) =>
          r.scopeSpans.flatMap((s) => s.spans),
        ),
      );
      const names = spans.map((s) => s.name);
      expect(names.filter((n) => n === "runnable.run")).toHaveLength(1);
      // Host: the run and its step spans; each emulator step process: its step and task spans.
      expect(names.filter((n) => n === "runnable.task")).toHaveLength(2);
      expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
      for (const s of spans) expect(s.attributes.find((a) => a.key === "runnable.run_id")?.value.stringValue).toBe("otlp1");
    } finally {
      server.close();
    }
  }, 60_000);
});
