import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderTimelineHtml } from "@runnable-ts/runtime";
import { largeMapRunLog } from "@runnable-ts/testing";
import type { Browser } from "playwright-core";
import type { RunLog, StepLog } from "@runnable-ts/sdk";
import { inkRatio, inPage, launchBrowser, offlineContext } from "./support/browser";
import { runCli } from "./support/cli";
import { NESTED_NAMES, seeingDir } from "./support/seeing";

const ROW_NAMES = `() => [...document.querySelectorAll(".row")].map((r) => r.getAttribute("data-name"))`;

function allSteps(steps: Record<string, StepLog>, out: StepLog[] = []): StepLog[] {
  for (const s of Object.values(steps)) {
    out.push(s);
    for (const b of Object.values(s.branches)) allSteps(b.steps, out);
  }
  return out;
}

describe("runnable timeline (real headless chromium, network blocked)", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("writes one offline HTML file with every step, branch and attempt of a nested run; folding and hover work", async () => {
    const dir = seeingDir();
    expect(runCli(["execute", "nested.yaml", "-p", "params.yaml", "--run-id", "tl1", "--quiet"], { cwd: dir }).code).toBe(0);
    const written = runCli(["timeline", "tl1", "-o", "out.html"], { cwd: dir });
    expect(written.code).toBe(0);
    expect(written.stdout).toContain(join(dir, "out.html"));
    const html = readFileSync(join(dir, "out.html"), "utf8");
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
    const log = JSON.parse(runCli(["show", "tl1", "--json"], { cwd: dir }).stdout) as RunLog;

    const { context, blocked } = await offlineContext(browser);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`file://${join(dir, "out.html")}`);
    expect(errors).toEqual([]);
    expect(blocked).toEqual([]);
    expect(new Set(await inPage<string[]>(page, ROW_NAMES))).toEqual(new Set(NESTED_NAMES));

    // Bars match attempts: one bar per attempt, coloured by the attempt's status.
    for (const step of allSteps(log.steps).filter((s) => s.attempts.length > 0)) {
      const bars = await inPage<string[]>(page, `(name) => [...document.querySelector('.row[data-name="' + name + '"]').querySelectorAll(".bar.attempt")].map((b) => b.className)`, step.internal_name);
      expect(bars.map((c) => c.split(" ").find((k) => k.startsWith("s-")))).toEqual(step.attempts.map((a) => `s-${a.status}`));
    }
    const flaky = log.steps.flaky!;
    expect(flaky.attempts.map((a) => a.status)).toEqual(["FAIL", "SUCCESS"]);

    // Hover: name, status, attempt, duration, message.
    await page.hover('.row[data-name="flaky"] .bar.attempt[data-attempt="0"]');
    const tip = await page.locator("#tip").innerText();
    expect(tip).toContain("flaky");
    expect(tip).toContain("status: FAIL");
    expect(tip).toContain("attempt 1 of 2");
    expect(tip).toMatch(/duration: \d+/);
    expect(tip).toContain(flaky.attempts[0]!.message);

    // Folding: the map closes (its branches and their steps disappear) and opens again.
    await page.click('.row[data-name="outer"] [data-toggle]');
    const folded = await inPage<string[]>(page, ROW_NAMES);
    expect(folded).toContain("outer");
    expect(folded.filter((n) => n.startsWith("outer."))).toEqual([]);
    expect(folded).toContain("flaky");
    await page.click('.row[data-name="outer"] [data-toggle]');
    expect(new Set(await inPage<string[]>(page, ROW_NAMES))).toEqual(new Set(NESTED_NAMES));
    await page.click("#collapse-all");
    expect(await inPage<string[]>(page, ROW_NAMES)).toEqual(["start", "par", "outer", "flaky", "success"]);
    await page.click("#expand-all");

    expect(await inkRatio(page)).toBeGreaterThan(0.02);
    await context.close();
  }, 60_000);

  it("a 10,000-step run loads without hanging and draws only the rows in view", async () => {
    const dir = seeingDir();
    const file = join(dir, "large.html");
    writeFileSync(file, renderTimelineHtml(largeMapRunLog("large", 10_000)));
    expect(statSync(file).size).toBeLessThan(3 * 2 ** 20);
    const { context, blocked } = await offlineContext(browser, undefined, { width: 1200, height: 800 });
    const page = await context.newPage();
    const started = Date.now();
    await page.goto(`file://${file}`);
    const shown = await inPage<{ rows: number; total: number }>(page, `() => ({ rows: window.runnableTimeline.rows(), total: window.runnableTimeline.total })`);
    expect(shown.total).toBe(2 + 2 * 9_999);
    expect(shown.rows).toBe(shown.total);
    const drawn = await inPage<string[]>(page, ROW_NAMES);
    expect(drawn.length).toBeLessThan(200);
    await inPage(page, `() => { const v = document.getElementById("viewport"); v.scrollTop = v.scrollHeight; }`);
    await page.waitForFunction(`[...document.querySelectorAll(".row")].some((r) => r.getAttribute("data-name") === "map.9998.work")`);
    // Generous: a hang would be minutes; loading plus a scroll to the end takes well under a second here.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(blocked).toEqual([]);
    await context.close();
  });
});
