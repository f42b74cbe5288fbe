// Takes docs/playground.png, the README's picture of the playground: its production build in
// headless Chromium, through the hellokan workflow (train, prune, auto-symbolic).
//   node scripts/playground-screenshot.mjs [--dark] [--out FILE]
import { launch } from "../test/browser/chromium.mjs";
import { buildPlayground } from "../test/browser/playground.mjs";
import { serve } from "../test/browser/server.mjs";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const argv = process.argv.slice(2);
const out = argv.includes("--out") ? argv[argv.indexOf("--out") + 1] : `${root}/docs/playground.png`;
const server = await serve(root);
const built = await buildPlayground();
const browser = await launch();
try {
  const page = await browser.newPage({
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    colorScheme: argv.includes("--dark") ? "dark" : "light",
  });
  const idle = () => page.waitForFunction(() => document.body.dataset.busy === "false", null, { timeout: 180_000 });
  await page.goto(`${server.url}${built.path}`);
  await idle();
  for (const id of ["train", "prune", "symbolic"]) {
    await page.click(`[data-testid="${id}"]`);
    await idle();
  }
  await page.screenshot({ path: out });
  console.log(`wrote ${out}: ${await page.locator('[data-testid="formula"]').textContent()}`);
} finally {
  await browser.close();
  await server.close();
  built.remove();
}
