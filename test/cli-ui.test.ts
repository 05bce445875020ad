import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { inkRatio, inPage, launchBrowser, offlineContext } from "./support/browser";
import { CLI, runCli } from "./support/cli";
import { NESTED_NAMES, seeingDir } from "./support/seeing";

const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" };

/** Starts `runnable ui --port 0` in `dir`; resolves to the process and the URL it printed. */
function startUi(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, "ui", "--port", "0"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (text: string) => {
      out += text;
      const m = /runnable ui: (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.stderr!.setEncoding("utf8").on("data", (text: string) => (out += text));
    child.on("exit", (code) => reject(new Error(`runnable ui exited (${String(code)}): ${out}`)));
  });
}

const SLOW_YAML = `dag:
  start_at: first
  steps:
    first: { type: task, command_type: shell, command: "sleep 0.8", next: second }
    second: { type: task, command_type: shell, command: "sleep 0.8", next: third }
    third: { type: task, command_type: shell, command: "echo done", next: success }
`;

describe("runnable ui (real headless chromium, network blocked but for the UI)", () => {
  let browser: Browser;
  let ui: { child: ChildProcess; url: string } | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    if (ui && ui.child.exitCode === null) ui.child.kill("SIGTERM");
  });

  it("lists runs (newest first, filtered by status), opens one with its tree, attempts, parameters, logs and timeline, and follows a running run live", async () => {
    const dir = seeingDir();
    expect(runCli(["execute", "nested.yaml", "-p", "params.yaml", "--run-id", "ui-nested", "--quiet"], { cwd: dir }).code).toBe(0);
    expect(runCli(["execute", "failing.yaml", "--run-id", "ui-failing", "--quiet"], { cwd: dir }).code).toBe(1);
    ui = await startUi(dir);
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${ui.url}/api/runs`, { method: "POST" })).status).toBe(405);

    const { context, blocked } = await offlineContext(browser, ui.url);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${ui.url}/#/`);
    await page.waitForSelector("tr.run");
    expect(await inPage<string[]>(page, `() => [...document.querySelectorAll("tr.run")].map((r) => r.getAttribute("data-run"))`)).toEqual(["ui-failing", "ui-nested"]);
    expect(await page.locator('tr.run[data-run="ui-nested"]').innerText()).toMatch(/SUCCESS\s+\S.*\s+\d+ ms/);
    await page.selectOption("#filter", "FAIL");
    await page.waitForFunction(`document.querySelectorAll("tr.run").length === 1`);
    expect(await page.locator("tr.run").getAttribute("data-run")).toBe("ui-failing");
    await page.selectOption("#filter", "");
    await page.waitForSelector('tr.run[data-run="ui-nested"]');

    await page.click('tr.run[data-run="ui-nested"] a');
    await page.waitForSelector('li.step[data-name="flaky"]');
    const names = await inPage<string[]>(page, `() => [...document.querySelectorAll("li.step, li.branch")].map((r) => r.getAttribute("data-name"))`);
    expect(new Set(names)).toEqual(new Set(NESTED_NAMES));
    expect(await page.locator('li.step[data-name="flaky"] tr.attempt').count()).toBe(2);
    expect(await page.locator('li.step[data-name="flaky"] tr.attempt[data-attempt="1"]').innerText()).toContain("FAIL");
    expect(await page.locator("#params").innerText()).toMatch(/items\s+\[1,2\]/);
    await page.click('li.step[data-name="flaky"] tr.attempt[data-attempt="1"] a.log');
    await page.waitForSelector("#log-box:not([hidden])");
    expect(await page.locator("#log").innerText()).toContain("first try fails");
    const timeline = page.frameLocator("#timeline");
    await timeline.locator('.row[data-name="outer.2.inner.b.work"]').waitFor();
    expect(await inkRatio(page)).toBeGreaterThan(0.02);

    // A run in progress in another process: its new steps appear without a reload.
    writeFileSync(join(dir, "slow.yaml"), SLOW_YAML);
    const slow = spawn(process.execPath, [CLI, "execute", "slow.yaml", "--run-id", "ui-live", "--quiet"], { cwd: dir, env, stdio: "ignore" });
    const slowDone = new Promise((resolve) => slow.on("exit", resolve));
    for (let i = 0; i < 100 && (await fetch(`${ui.url}/api/runs/ui-live`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    await page.goto(`${ui.url}/#/run/ui-live`);
    await inPage(page, `() => { window.__sameDocument = true; }`);
    await page.waitForSelector('li.step[data-name="first"]', { timeout: 10_000 });
    expect(await page.locator('li.step[data-name="third"]').count()).toBe(0);
    expect(await page.locator("#live").innerText()).toBe("live");
    await page.waitForSelector('li.step[data-name="third"][data-status="SUCCESS"]', { timeout: 15_000 });
    expect(await inPage<boolean>(page, `() => window.__sameDocument === true`)).toBe(true);
    await page.waitForFunction(`document.querySelector("#run-head .status").textContent === "SUCCESS"`);
    await slowDone;

    expect(errors).toEqual([]);
    expect(blocked).toEqual([]);
    await context.close();
    const exited = new Promise<number | null>((resolve) => ui!.child.on("exit", resolve));
    ui.child.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 90_000);
});
