import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { Kernel } from "@runnable-ts/kernel";
import { DEFAULT_SERVICES, DISTRIBUTION_DIR } from "@runnable-ts/runtime";
import { startUi } from "../src/ui-server";
import { runCli } from "../../../test/support/cli";
import { seeingDir } from "../../../test/support/seeing";

describe("the UI server (node:http, real store and catalog)", () => {
  it("serves runs read-only on 127.0.0.1 and never a secret's value", async () => {
    const dir = seeingDir();
    writeFileSync(join(dir, "secret.yaml"), "dag:\n  start_at: leak\n  steps:\n    leak: { type: task, command_type: shell, command: 'echo token is $TOKEN; exit 1', secrets: [TOKEN], next: success }\n");
    expect(runCli(["execute", "secret.yaml", "--run-id", "sec1", "--quiet"], { cwd: dir, env: { TOKEN: "s3cr3t-value" } }).code).toBe(1);
    const kernel = await Kernel.create({ cwd: dir, env: {}, defaults: DEFAULT_SERVICES, distributionDirs: [DISTRIBUTION_DIR] });
    const scope = await kernel.createRun();
    const ui = await startUi({ store: scope.get("run-log-store"), catalog: scope.get("catalog") }, { port: 0 });
    try {
      expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const runs = (await (await fetch(`${ui.url}/api/runs`)).json()) as { run_id: string; status: string; start: string; duration_ms: number }[];
      expect(runs).toEqual([expect.objectContaining({ run_id: "sec1", status: "FAIL", start: expect.stringMatching(/Z$/), duration_ms: expect.any(Number) })]);
      expect(await (await fetch(`${ui.url}/api/runs?status=SUCCESS`)).json()).toEqual([]);
      const log = await (await fetch(`${ui.url}/api/runs/sec1`)).text();
      const execution = await (await fetch(`${ui.url}/api/runs/sec1/log?step=leak&attempt=1`)).text();
      expect(execution).toContain("token is ***");
      const timeline = await (await fetch(`${ui.url}/runs/sec1/timeline`)).text();
      for (const text of [log, execution, timeline]) expect(text).not.toContain("s3cr3t-value");
      expect((await fetch(`${ui.url}/api/runs/nope`)).status).toBe(404);
      for (const method of ["POST", "PUT", "DELETE"]) expect((await fetch(`${ui.url}/api/runs/sec1`, { method })).status).toBe(405);
      const stream = await fetch(`${ui.url}/api/runs/sec1/stream`);
      expect(stream.headers.get("content-type")).toBe("text/event-stream");
      const text = await stream.text(); // a finished run: one run log, then done, then the stream ends
      expect(text).toMatch(/^event: runlog\ndata: \{.*\}\n\nevent: done\n/s);
    } finally {
      await ui.close();
      await scope.dispose();
    }
  });

  it("runnable ui reports a port in use as a usage error", async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const result = runCli(["ui", "--port", String(port)], { cwd: seeingDir() });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^error\[E_USAGE\]: runnable ui cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
      expect(runCli(["ui", "--port", "http"], { cwd: seeingDir() }).stderr).toContain('error[E_USAGE]: --port must be a port number (0 picks a free one), got "http"');
    } finally {
      busy.close();
    }
  });
});
