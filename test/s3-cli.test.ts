import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChunkedMinioRunLogStore } from "@runnable-ts/s3";
import { startS3rver, type S3Server } from "@runnable-ts/testing";
import { CLI, type CliResult } from "./support/cli";

// The CLI runs in child processes against s3rver in this process: spawn asynchronously (a
// synchronous spawn would block the server the child talks to).
function cli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const FUNCTIONS = `
const fs = require("fs");
const count = (name) => fs.appendFileSync("count-" + name, "x");
exports.one = () => { count("one"); return 1; };
exports.two = () => { count("two"); return 2; };
exports.slow = async () => { count("slow"); fs.writeFileSync("slow-started", ""); while (fs.existsSync("block-flag")) await new Promise((r) => setTimeout(r, 20)); return 4; };
exports.four = () => { count("four"); return 5; };
`;

const PIPELINE = `
dag:
  start_at: one
  steps:
    one: { type: task, command: ./fns.js#one, returns: [a], next: two }
    two: { type: task, command: ./fns.js#two, returns: [b], next: middle }
    middle: { type: task, command: ./fns.js#slow, returns: [c], next: four }
    four: { type: task, command: ./fns.js#four, returns: [d], next: success }
`;

const CONFIG = `run-log-store:
  type: chunked-minio
  config: { bucket: $BUCKET, prefix: runs/, endpoint: $S3_ENDPOINT, access_key_id: $S3_KEY, secret_access_key: $S3_SECRET }
catalog:
  type: s3
  config: { bucket: $BUCKET, prefix: catalog/, endpoint: $S3_ENDPOINT, access_key_id: $S3_KEY, secret_access_key: $S3_SECRET }
`;

let server: S3Server;
beforeAll(async () => {
  server = await startS3rver();
});
afterAll(() => server.stop({ remove: true }));

let buckets = 0;
function project(config = CONFIG): { dir: string; env: Record<string, string> } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-s3-")));
  writeFileSync(join(dir, "fns.js"), FUNCTIONS);
  writeFileSync(join(dir, "pipeline.yaml"), PIPELINE);
  writeFileSync(join(dir, "runnable-config.yaml"), config);
  const env = { RUNNABLE_VAR_BUCKET: `bucket-${++buckets}`, RUNNABLE_VAR_S3_ENDPOINT: server.endpoint, RUNNABLE_VAR_S3_KEY: "S3RVER", RUNNABLE_VAR_S3_SECRET: "S3RVER" };
  return { dir, env };
}
const count = (dir: string, name: string): number => (existsSync(join(dir, `count-${name}`)) ? readFileSync(join(dir, `count-${name}`), "utf8").length : 0);

describe("runnable with chunked-minio + s3 (built CLI, s3rver on 127.0.0.1)", () => {
  it("resumes a run killed with SIGKILL mid-run without re-running what succeeded", async () => {
    const { dir, env } = project();
    writeFileSync(join(dir, "block-flag"), "");
    const child = spawn(process.execPath, [CLI, "execute", "pipeline.yaml", "--run-id", "k1"], { cwd: dir, stdio: "ignore", env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env } });
    const deadline = Date.now() + 30_000;
    while (!existsSync(join(dir, "slow-started")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(join(dir, "slow-started"))).toBe(true);
    // Kill once what the run did before the slow step is in the bucket (batches go out asynchronously).
    const reader = new ChunkedMinioRunLogStore({ ...server.config(env.RUNNABLE_VAR_BUCKET!, "runs/") });
    for (let i = 0; i < 400 && (await Promise.resolve(reader.getStepLog("k1", "two")).catch(() => undefined))?.status !== "SUCCESS"; i++) {
      await new Promise((r) => setTimeout(r, 25));
      await reader.refresh("k1").catch(() => undefined);
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    const killed = JSON.parse((await cli(["show", "k1", "--json"], dir, env)).stdout) as { status: string };
    expect(killed.status).toBe("PROCESSING");
    rmSync(join(dir, "block-flag"));
    const retry = await cli(["retry", "k1"], dir, env);
    expect(retry.stderr).toBe("");
    expect(retry.code).toBe(0);
    const log = JSON.parse((await cli(["show", "k1", "--json"], dir, env)).stdout) as { status: string; steps: Record<string, { attempts: { status: string }[] }> };
    expect(log.status).toBe("SUCCESS");
    expect([count(dir, "one"), count(dir, "two"), count(dir, "slow"), count(dir, "four")]).toEqual([1, 1, 2, 1]);
    expect((await cli(["runs"], dir, env)).stdout).toContain("k1");
  }, 90_000);

  it("fails before any task runs when the endpoint is unreachable, naming the store and the endpoint", async () => {
    const closed = await startS3rver();
    await closed.stop({ remove: true });
    const { dir, env } = project();
    const result = await cli(["execute", "pipeline.yaml"], dir, { ...env, RUNNABLE_VAR_S3_ENDPOINT: closed.endpoint });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("error[E_ENDPOINT_UNREACHABLE]");
    expect(result.stderr).toContain(closed.endpoint);
    expect(result.stderr).toContain("chunked-minio");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(count(dir, "one")).toBe(0);
  }, 60_000);

  it("reports refused credentials as E_ACCESS_DENIED without the secret", async () => {
    const { dir, env } = project();
    const result = await cli(["execute", "pipeline.yaml"], dir, { ...env, RUNNABLE_VAR_S3_KEY: "NOT-A-KEY", RUNNABLE_VAR_S3_SECRET: "very-secret-value-123" });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("error[E_ACCESS_DENIED]");
    expect(result.stderr).not.toContain("very-secret-value-123");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(count(dir, "one")).toBe(0);
  }, 60_000);

  it("rejects a config without bucket before anything runs, naming the key", async () => {
    const { dir, env } = project(CONFIG.replace(/bucket: \$BUCKET, /g, ""));
    const result = await cli(["execute", "pipeline.yaml"], dir, env);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("error[E_CONFIG_INVALID]");
    expect(result.stderr).toContain("bucket");
    expect(count(dir, "one")).toBe(0);
  }, 60_000);

  it("never prints the credentials in `runnable config` (table or JSON)", async () => {
    const { dir, env } = project();
    for (const args of [["config"], ["config", "--json"]]) {
      const result = await cli(args, dir, { ...env, RUNNABLE_VAR_S3_KEY: "AKIA-KEY-ID-42", RUNNABLE_VAR_S3_SECRET: "very-secret-value-123" });
      expect(result.code).toBe(0);
      expect(result.stdout + result.stderr).not.toContain("very-secret-value-123");
      expect(result.stdout + result.stderr).not.toContain("AKIA-KEY-ID-42");
    }
    const json = JSON.parse((await cli(["config", "--json"], dir, env)).stdout) as { services: { kind: string; config: Record<string, unknown> }[] };
    expect(json.services.find((s) => s.kind === "run-log-store")?.config).toMatchObject({ bucket: expect.stringMatching(/^bucket-/), access_key_id: "***", secret_access_key: "***" });
  }, 60_000);

  it("keeps the credentials out of the run log", async () => {
    const { dir, env } = project();
    rmSync(join(dir, "fns.js"));
    writeFileSync(join(dir, "fns.js"), "exports.one = () => 1; exports.two = () => 2; exports.slow = () => 3; exports.four = () => 4;\n");
    const secretEnv = { ...env, RUNNABLE_VAR_S3_SECRET: "S3RVER", RUNNABLE_VAR_S3_KEY: "S3RVER" };
    expect((await cli(["execute", "pipeline.yaml", "--run-id", "clean"], dir, secretEnv)).code).toBe(0);
    const shown = (await cli(["show", "clean", "--json"], dir, secretEnv)).stdout;
    expect(JSON.parse(shown).status).toBe("SUCCESS");
    expect(shown).not.toContain("S3RVER");
  }, 60_000);
});
