// Chromium runner: serves the repository on 127.0.0.1, opens the page that runs every shared
// scenario against dist/ (through an import map), then the browser-only loading pages and
// screenshots of toSVG's picture, the example page examples/browser/index.html, then the
// playground's production build through its workflow.
// Ends with `chromium: N passed, N failed`.
import { launch, runPage } from "./chromium.mjs";
import { examplePage } from "./examples.mjs";
import { buildPlayground, playgroundTest } from "./playground.mjs";
import { svgScreenshots } from "./screenshot.mjs";
import { serve } from "./server.mjs";

const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const server = await serve(root);
let browser;
const results = [];
try {
  browser = await launch();
  console.log(`Chromium ${browser.version()}, serving ${root} at ${server.url}\n`);
  results.push(...(await runPage(browser, `${server.url}/test/browser/index.html`)));
  results.push(...(await runPage(browser, `${server.url}/test/browser/init.html?scenario=octet`)));
  results.push(...(await runPage(browser, `${server.url}/test/browser/init.html?scenario=csp&csp=no-wasm`)));
  results.push(...(await runPage(browser, `${server.url}/test/browser/init.html?scenario=threads&isolate=no`)));
  results.push(...(await svgScreenshots(browser, `${server.url}/test/browser/svg.html`)));
  results.push(...(await examplePage(browser, `${server.url}/examples/browser/index.html`)));
  const playground = await buildPlayground();
  try {
    results.push(...(await playgroundTest(browser, `${server.url}${playground.path}`)));
  } finally {
    playground.remove();
  }
} catch (e) {
  results.push({ name: "launch Chromium", ok: false, error: e.message });
} finally {
  await browser?.close();
  await server.close();
}

for (const r of results) console.log(`${r.ok ? "✓" : "✗"} ${r.name}${r.ok ? "" : `\n    ${r.error}`}`);
const failed = results.filter((r) => !r.ok).length;
console.log(`\nchromium: ${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
