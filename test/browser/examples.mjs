// An example page (examples/browser/index.html, the build of examples/vite), opened as a user
// opens it: it reports through its status output ("done" or "error: ..."), and shows its test
// RMSE, its formula (which must match `formula`, with no spline left) and its picture.
export async function examplePage(browser, url, { name, formula = /x[\s\S]*\^2/, timeout = 120_000 } = {}) {
  name ??= "examples/browser/index.html trains a KAN and shows its formula and picture";
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
    if (!formula.test(got.formula) || /φ/.test(got.formula)) throw new Error(`formula ${got.formula}`);
    if (!got.svg) throw new Error("no picture");
    return [{ name, ok: true }];
  } catch (e) {
    return [{ name, ok: false, error: [e.message, ...errors].join("\n") }];
  } finally {
    await page.close();
  }
}
