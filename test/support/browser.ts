import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

/** Debian's chromium, as installed by `.ci/run`. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Launches headless chromium. Fails (never skips) with a message naming what is missing.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`These tests need a real chromium at ${CHROMIUM} (apt-get install -y chromium, as .ci/run does; or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/**
 * A browser context whose network is blocked except for `allowedOrigin` (and file: / data:
 * URLs); every blocked request is recorded in `blocked`.
 */
export async function offlineContext(browser: Browser, allowedOrigin?: string, viewport = { width: 1200, height: 1400 }): Promise<{ context: BrowserContext; blocked: string[] }> {
  const context = await browser.newContext({ viewport });
  const blocked: string[] = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:") || url.startsWith("data:") || (allowedOrigin && url.startsWith(allowedOrigin))) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  return { context, blocked };
}

/**
 * Evaluates `source` (a function written as text, since tests type-check without the DOM
 * library) in the page with `arg`.
 */
export function inPage<T>(page: Page, source: string, arg?: unknown): Promise<T> {
  return page.evaluate(`(${source})(${JSON.stringify(arg ?? null)})`) as Promise<T>;
}

/** Share of the page's screenshot pixels that differ from its top-left pixel (0: blank). */
export async function inkRatio(page: Page): Promise<number> {
  const png = (await page.screenshot()).toString("base64");
  return inPage<number>(
    page,
    `async (b64) => {
      const img = new Image();
      img.src = "data:image/png;base64," + b64;
      await img.decode();
      const canvas = document.createElement("canvas");
      canvas.width = img.width;
      canvas.height = img.height;
      const g = canvas.getContext("2d");
      g.drawImage(img, 0, 0);
      const px = g.getImageData(0, 0, img.width, img.height).data;
      let different = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i] !== px[0] || px[i + 1] !== px[1] || px[i + 2] !== px[2]) different++;
      return different / (px.length / 4);
    }`,
    png,
  );
}
