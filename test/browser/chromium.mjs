// Launches Debian's Chromium headless through playwright-core (which downloads no browser).
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function launch() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: on Debian run \`apt-get install chromium\` (or set CHROMIUM_PATH)`);
  }
  // playwright starts from a fresh profile of its own (it refuses --user-data-dir in args).
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

/**
 * Opens `url`, waits until the page sets `window.__done`, and returns `window.__results`.
 * Uncaught page errors come back as failed results.
 */
export async function runPage(browser, url, timeout = 120_000) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(`console: ${m.text()}`));
  try {
    await page.goto(url);
    await page.waitForFunction(() => globalThis.__done === true, null, { timeout });
    return await page.evaluate(() => globalThis.__results);
  } catch (e) {
    return [{ name: url, ok: false, error: [e.message, ...errors].join("\n") }];
  } finally {
    await page.close();
  }
}
