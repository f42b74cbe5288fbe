// Screenshots of what a page drew, decoded here (PNG, with node:zlib) so a test can check
// that pixels were drawn: used for toSVG's picture (test/browser/svg.html).
import { inflateSync } from "node:zlib";

/** Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium's screenshots are) into RGBA. */
export function decodePng(buf) {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  if (!sig.every((b, i) => buf[i] === b)) throw new Error("not a PNG");
  let at = 8;
  let width = 0, height = 0, depth = 0, type = 0, interlace = 0;
  const idat = [];
  while (at < buf.length) {
    const len = buf.readUInt32BE(at);
    const kind = buf.toString("latin1", at + 4, at + 8);
    const data = buf.subarray(at + 8, at + 8 + len);
    if (kind === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      [depth, type, , , interlace] = [data[8], data[9], data[10], data[11], data[12]];
    } else if (kind === "IDAT") idat.push(data);
    else if (kind === "IEND") break;
    at += 12 + len;
  }
  if (depth !== 8 || (type !== 2 && type !== 6) || interlace !== 0) {
    throw new Error(`unsupported PNG: bit depth ${depth}, colour type ${type}, interlace ${interlace}`);
  }
  const bpp = type === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? px[y * stride + x - bpp] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= bpp && y > 0 ? px[(y - 1) * stride + x - bpp] : 0;
      let v = row[x];
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      px[y * stride + x] = v & 255;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let q = 0; q < width * height; q++) {
    rgba.set(px.subarray(q * bpp, q * bpp + 3), q * 4);
    rgba[q * 4 + 3] = bpp === 4 ? px[q * bpp + 3] : 255;
  }
  return { width, height, rgba };
}

/** Counts pixels that are not white, and strongly red ones. */
export function inkOf({ width, height, rgba }) {
  let ink = 0;
  let red = 0;
  for (let q = 0; q < width * height; q++) {
    const [r, g, b] = [rgba[4 * q], rgba[4 * q + 1], rgba[4 * q + 2]];
    if (r < 235 || g < 235 || b < 235) ink++;
    if (r > 150 && g < 120 && b < 120) red++;
  }
  return { ink, red, total: width * height };
}

/**
 * Opens the toSVG page, collects its own results, then screenshots the inline SVG and the
 * <img> and checks each has drawn pixels, some of them red (the symbolic edge).
 */
export async function svgScreenshots(browser, url, timeout = 60_000) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  try {
    await page.goto(url);
    await page.waitForFunction(() => globalThis.__done === true, null, { timeout });
    const results = await page.evaluate(() => globalThis.__results);
    for (const [label, selector] of [["inline <svg>", "#inline svg"], ["<img>", "#img"]]) {
      const name = `toSVG › a screenshot of the ${label} shows the network`;
      try {
        const ink = inkOf(decodePng(await page.locator(selector).screenshot({ timeout })));
        const ok = ink.ink > 0.01 * ink.total && ink.red > 20;
        results.push({ name, ok, error: `${ink.ink} of ${ink.total} pixels drawn, ${ink.red} red` });
      } catch (e) {
        results.push({ name, ok: false, error: e.message });
      }
    }
    if (errors.length) results.push({ name: "toSVG › no page errors", ok: false, error: errors.join("\n") });
    return results;
  } catch (e) {
    return [{ name: url, ok: false, error: [e.message, ...errors].join("\n") }];
  } finally {
    await page.close();
  }
}
