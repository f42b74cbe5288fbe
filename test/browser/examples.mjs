// The example page examples/browser/index.html, opened as a user opens it: it reports through
// its status output ("done" or "error: ..."), and shows its test RMSE, formula and picture.
export async function examplePage(browser, url, timeout = 120_000) {
  const name = "examples/browser/index.html trains a KAN and shows its formula and picture";
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  try {
    await page.goto(url);
    await page.waitForFunction(() => /^(done|error)/.test(document.getElementById("status")?.value ?? ""), null, { timeout });
    const got = await page.evaluate(() => ({
      status: document.getElementById("status").value,
      rmse: Number(document.getElementById("rmse").value),
      formula: document.getElementById("formula").value,
      svg: document.querySelector("#picture svg") !== null,
    }));
    if (got.status !== "done") throw new Error(got.status);
    if (!(got.rmse < 5e-2)) throw new Error(`test RMSE ${got.rmse}`);
    // x*y through squares: the formula has x and y squared terms and no spline left
    if (!/x/.test(got.formula) || !/\^2/.test(got.formula) || /φ/.test(got.formula)) throw new Error(`formula ${got.formula}`);
    if (!got.svg) throw new Error("no picture");
    return [{ name, ok: true }];
  } catch (e) {
    return [{ name, ok: false, error: [e.message, ...errors].join("\n") }];
  } finally {
    await page.close();
  }
}
