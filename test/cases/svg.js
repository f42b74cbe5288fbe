// toSVG: a standalone SVG string in every runtime. Checked with a small XML well-formedness
// checker of our own (tags balanced, attributes quoted and unique, entities valid), and with
// DOMParser where the runtime has one; the browser runner also screenshots it in Chromium.
import { KAN, symbolicId, toSVG } from "kanwasm";
import { equal, ok, random, throwsKan } from "./assert.js";

/** The method once the KAN class has it, the free function until then. */
const svgOf = (m, o) => (typeof m.toSVG === "function" ? m.toSVG(o) : toSVG(m, o));

const NAME_START = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_:";
const NAME_CHAR = NAME_START + "0123456789-.";
const ENTITIES = ["amp", "lt", "gt", "quot", "apos"];

/** Throws unless `s` is one well-formed XML element (with an optional prolog); returns its tag counts. */
export function checkXml(s) {
  const counts = {};
  const stack = [];
  let i = 0;
  let roots = 0;
  const fail = (msg) => {
    throw new Error(`not well-formed XML at ${i}: ${msg} near ${JSON.stringify(s.slice(Math.max(0, i - 30), i + 30))}`);
  };
  const name = () => {
    const start = i;
    if (!NAME_START.includes(s[i] ?? "\0")) fail("expected a name");
    while (i < s.length && NAME_CHAR.includes(s[i])) i++;
    return s.slice(start, i);
  };
  const space = () => {
    while (i < s.length && " \t\r\n".includes(s[i])) i++;
  };
  const entity = () => {
    const end = s.indexOf(";", i);
    if (end < 0) fail("unterminated entity");
    const body = s.slice(i + 1, end);
    const numeric = body.startsWith("#x") ? body.length > 2 && [...body.slice(2)].every((c) => "0123456789abcdefABCDEF".includes(c))
      : body.startsWith("#") ? body.length > 1 && [...body.slice(1)].every((c) => "0123456789".includes(c)) : false;
    if (!numeric && !ENTITIES.includes(body)) fail(`unknown entity &${body};`);
    i = end + 1;
  };
  if (s.startsWith("<?xml")) {
    i = s.indexOf("?>") + 2;
    if (i < 2) fail("unterminated prolog");
  }
  while (i < s.length) {
    if (s.startsWith("<!--", i)) {
      const end = s.indexOf("-->", i);
      if (end < 0) fail("unterminated comment");
      i = end + 3;
    } else if (s.startsWith("</", i)) {
      i += 2;
      const n = name();
      space();
      if (s[i] !== ">") fail("expected >");
      i++;
      const open = stack.pop();
      if (open !== n) fail(`</${n}> closes <${open}>`);
    } else if (s[i] === "<") {
      i++;
      const n = name();
      if (stack.length === 0 && ++roots > 1) fail("a second root element");
      counts[n] = (counts[n] ?? 0) + 1;
      const attrs = new Set();
      for (;;) {
        const before = i;
        space();
        if (s[i] === "/" && s[i + 1] === ">") {
          i += 2;
          break;
        }
        if (s[i] === ">") {
          i++;
          stack.push(n);
          break;
        }
        if (i === before) fail("expected whitespace before an attribute");
        const a = name();
        if (attrs.has(a)) fail(`attribute ${a} twice`);
        attrs.add(a);
        space();
        if (s[i] !== "=") fail("expected =");
        i++;
        space();
        const q = s[i];
        if (q !== '"' && q !== "'") fail("attribute value not quoted");
        i++;
        while (s[i] !== q) {
          if (i >= s.length) fail("unterminated attribute value");
          if (s[i] === "<") fail("< in an attribute value");
          if (s[i] === "&") entity();
          else i++;
        }
        i++;
      }
    } else if (s[i] === "&") {
      entity();
    } else {
      if (stack.length === 0 && !" \t\r\n".includes(s[i])) fail("text outside the root element");
      i++;
    }
  }
  if (stack.length) fail(`unclosed <${stack.at(-1)}>`);
  if (roots !== 1) fail("no root element");
  return counts;
}

/** Also parses with DOMParser where the runtime has one (browsers). */
function parse(svg) {
  const counts = checkXml(svg);
  if (typeof DOMParser === "function") {
    const doc = new DOMParser().parseFromString(svg, "image/svg+xml");
    equal(doc.getElementsByTagName("parsererror").length, 0, "DOMParser errors");
    equal(doc.documentElement.localName, "svg", "root element");
  }
  return counts;
}

/** A [2, 3, 1] model with two masked edges and a symbolic sin edge. */
function model(width = [2, 3, 1]) {
  const m = new KAN({ width, grid: 3, k: 3, seed: 2 });
  const [ni, no] = m.layerDims(0);
  const mask = new Float64Array(ni * no).fill(1);
  mask[1] = 0; // x1 -> h2 off
  mask[no] = 0; // x2 -> h1: made symbolic below
  mask[no + 2] = 0; // x2 -> h3 off
  const sym = new Float64Array(ni * no);
  sym[no] = symbolicId("sin");
  const aff = new Float64Array(ni * no * 4);
  for (let e = 0; e < ni * no; e++) aff.set([2, 0, 1, 0], 4 * e);
  m.setLayerArray(0, "mask", mask);
  m.setLayerArray(0, "symbolic", sym);
  m.setLayerArray(0, "affine", aff);
  return m;
}


/** The numbers of every `name="…"` attribute of the elements `tag` in `svg`. */
function elements(svg, tag) {
  return [...svg.matchAll(new RegExp(`<${tag}\\b([^>]*?)/?>([^<]*)`, "g"))].map(([, attrs, body]) => {
    const a = { body };
    for (const [, k, v] of attrs.matchAll(/([a-zA-Z-]+)="([^"]*)"/g)) a[k] = Number.isFinite(Number(v)) ? Number(v) : v;
    return a;
  });
}

/** Whether segment (x1, y1)-(x2, y2) meets the box [x0, x1] x [y0, y1] (Liang-Barsky clipping). */
function segmentMeetsBox(s, b) {
  let t0 = 0;
  let t1 = 1;
  const dx = s.x2 - s.x1;
  const dy = s.y2 - s.y1;
  for (const [p, q] of [[-dx, s.x1 - b.x0], [dx, b.x1 - s.x1], [-dy, s.y1 - b.y0], [dy, b.y1 - s.y1]]) {
    if (p === 0) {
      if (q < 0) return false;
    } else {
      const t = q / p;
      if (p < 0) t0 = Math.max(t0, t);
      else t1 = Math.min(t1, t);
    }
  }
  return t0 <= t1;
}

/** A text's box, from its anchor, font size and length (at most 0.6 em a character, or its textLength). */
function textBox(t) {
  const size = t.font_size;
  const w = typeof t.textLength === "number" ? t.textLength : 0.6 * size * [...t.body].length;
  const x0 = t["text-anchor"] === "middle" ? t.x - w / 2 : t["text-anchor"] === "end" ? t.x - w : t.x;
  return { x0, x1: x0 + w, y0: t.y - 0.75 * size, y1: t.y + 0.2 * size };
}

const live = (m) => {
  let n = 0;
  for (let l = 0; l < m.depth; l++) {
    const mask = m.getLayerArray(l, "mask");
    const sym = m.getLayerArray(l, "symbolic");
    for (let e = 0; e < mask.length; e++) if (mask[e] !== 0 || sym[e] !== 0) n++;
  }
  return n;
};

export const cases = [
  {
    name: "well-formed SVG with one plot per live edge; symbolic edges red and labelled",
    fn: () => {
      const m = model();
      const svg = svgOf(m, { scores: { edgeScores: [[[1, 1], [1, 1], [1, 1]], [[1, 1, 1]]] } });
      ok(svg.startsWith("<svg") && svg.endsWith("</svg>"), "a standalone <svg> element");
      ok(svg.includes('xmlns="http://www.w3.org/2000/svg"'), "SVG namespace");
      const counts = parse(svg);
      equal(live(m), 7, "live edges (9 minus 2 masked)");
      equal(counts.polyline, 7, "one polyline per live edge");
      equal(counts.circle, 6, "one dot per node");
      equal((svg.match(/class="edge symbolic"/g) ?? []).length, 1, "one symbolic edge");
      ok(/class="edge symbolic"[^>]*stroke="#d62728"/.test(svg), "symbolic edge in red");
      ok(svg.includes(">sin</text>"), "labelled with its function");
      ok(!svg.includes("NaN") && !svg.includes("Infinity"), "finite coordinates");
      m.dispose();
    },
  },
  {
    name: "names are escaped; width and height set the size",
    fn: () => {
      const m = model();
      const svg = svgOf(m, { inputNames: ["a<b", "x&y"], outputNames: ['"q" \'r\''], width: 400, height: 300 });
      parse(svg);
      ok(svg.includes(">a&lt;b</text>") && svg.includes(">x&amp;y</text>"), "input names escaped");
      ok(svg.includes(">&quot;q&quot; &apos;r&apos;</text>"), "output name escaped");
      ok(!svg.includes("a<b"), "no raw <");
      ok(/^<svg[^>]* width="400" height="300"/.test(svg), "size attributes");
      m.dispose();
    },
  },
  {
    name: "opacity is tanh(beta * score)",
    fn: () => {
      const m = model();
      // edgeScores[l][j][i]; edges x1->h2 and x2->h3 are masked
      const edgeScores = [[[0, 0.2], [0.1, 0.05], [1, 0]], [[0.3, 0, 1]]];
      const svg = svgOf(m, { beta: 3, scores: { edgeScores } });
      const op = (l, i, j) => {
        const layer = svg.split(`<g class="layer" data-l="${l}">`)[1];
        const g = new RegExp(`data-i="${i}" data-j="${j}" opacity="([^"]+)"`).exec(layer);
        return g ? Number(g[1]) : undefined;
      };
      equal(op(0, 0, 0), 0, "score 0");
      equal(op(0, 0, 2), Math.round(Math.tanh(3) * 1000) / 1000, "score 1");
      equal(op(0, 1, 1), Math.round(Math.tanh(0.15) * 1000) / 1000, "score 0.05");
      equal(op(0, 1, 0), Math.round(Math.tanh(0.6) * 1000) / 1000, "score 0.2 (symbolic edge)");
      equal(op(1, 0, 0), Math.round(Math.tanh(0.9) * 1000) / 1000, "layer 1");
      equal(op(0, 0, 1), undefined, "masked edge not drawn");
      const flat = svgOf(m, { beta: 0, scores: { edgeScores } });
      ok(/opacity="0"/.test(flat) && !/opacity="[1-9.]/.test(flat), "beta 0 hides every edge");
      m.dispose();
    },
  },
  {
    name: "multiplication nodes are drawn as × nodes",
    fn: () => {
      const m = new KAN({ width: [2, [1, 2], 1], seed: 3 });
      const svg = svgOf(m);
      const counts = parse(svg);
      equal((svg.match(/class="mult"/g) ?? []).length, 2, "two mult nodes");
      equal(counts.polyline, 2 * 5 + 3 * 1, "every edge of both layers (subnodes included)");
      m.dispose();
    },
  },
  {
    name: "plots over given samples; attribution from them when the model attributes",
    fn: () => {
      const m = model();
      const rnd = random(11);
      const input = Array.from({ length: 64 }, () => [rnd(-1, 1), rnd(-1, 1)]);
      const svg = svgOf(m, { input });
      const counts = parse(svg);
      equal(counts.polyline, 7, "plots");
      if (typeof m.attribute === "function") {
        const ops = [...svg.matchAll(/opacity="([^"]+)"/g)].map((x) => Number(x[1]));
        ok(ops.every((v) => v >= 0 && v <= 1), `opacities in [0, 1]: ${ops}`);
        ok(new Set(ops).size > 1, `opacities follow the scores: ${ops}`);
      }
      m.dispose();
    },
  },
  {
    name: "an unpruned [2,5,1]: sized to the network, every plot shows its input range, no label crosses a line",
    fn: () => {
      const small = new KAN({ width: [2, 2, 1], seed: 1 });
      const m = new KAN({ width: [2, 5, 1], grid: 5, seed: 1 });
      const rnd = random(5);
      const input = Array.from({ length: 80 }, () => [rnd(-0.5, 0.9), rnd(-2, 2)]);
      const svg = svgOf(m, { inputNames: ["x", "y"], outputNames: ["f"], input });
      const size = (s) => /^<svg[^>]* width="([\d.]+)" height="([\d.]+)"/.exec(s).slice(1).map(Number);
      const [w, h] = size(svg);
      const [ws] = size(svgOf(small));
      ok(w > ws && w >= 10 * 44, `width follows the widest layer: ${w} for 10 edges, ${ws} for 4`);
      ok(h > 200 && h < 400, `height for two layers: ${h}`);
      equal(parse(svg).polyline, 15, "15 plots");
      // layer 0's inputs are x in [-0.5, 0.9] and y in [-2, 2] (up to the samples drawn)
      const ticks = elements(svg, "text").filter((t) => t.class === "tick").map((t) => t.body);
      equal(ticks.length, 30, "two range labels per plot");
      const xs = input.map((r) => r[0]);
      const lo = Math.min(...xs);
      const hi = Math.max(...xs);
      const first = [ticks[0], ticks[1]].map((t) => Number(t.replace("\u2212", "-")));
      ok(Math.abs(first[0] - lo) <= 0.005 && Math.abs(first[1] - hi) <= 0.005,
        `x's range ${lo}..${hi} printed as ${first}`);
      const lines = elements(svg, "line");
      const texts = elements(svg, "text").map((t) => ({ ...t, font_size: t["font-size"] }));
      ok(lines.length === 30 && texts.length === 33, `${lines.length} lines, ${texts.length} labels`);
      for (const t of texts) {
        const b = textBox(t);
        const hit = lines.find((l) => segmentMeetsBox(l, b));
        ok(hit === undefined,
          `label ${JSON.stringify(t.body)} at (${t.x}, ${t.y}) crosses the line ${JSON.stringify(hit)}`);
      }
      // and on a symbolic picture, whose panels carry the function's name
      const sym = model();
      const st = elements(svgOf(sym, { inputNames: ["a", "b"] }), "text")
        .map((t) => ({ ...t, font_size: t["font-size"] }));
      const sl = elements(svgOf(sym, { inputNames: ["a", "b"] }), "line");
      ok(st.some((t) => t.body === "sin"), "the symbolic edge is named");
      for (const t of st) ok(!sl.some((l) => segmentMeetsBox(l, textBox(t))), `label ${t.body} crosses no line`);
      for (const x of [m, small, sym]) x.dispose();
    },
  },
  {
    name: "themes: light, dark, and auto (light with a prefers-color-scheme: dark style)",
    fn: async () => {
      const m = model();
      const light = svgOf(m, { theme: "light" });
      const dark = svgOf(m, { theme: "dark" });
      const auto = svgOf(m);
      for (const s of [light, dark, auto]) parse(s);
      ok(!light.includes("<style") && /class="bg"[^>]*fill="#fff"/.test(light), "light: white, no style");
      ok(!dark.includes("<style") && !dark.includes('fill="#fff"'), "dark: no style, nothing white");
      ok(/class="bg"[^>]*fill="#1b1c1f"/.test(dark), "dark: a near-black background");
      ok(/<style>@media \(prefers-color-scheme: dark\)/.test(auto) && auto.includes('fill="#fff"'), "auto");
      equal(auto.replace(/<style>.*?<\/style>\n/s, ""), light, "auto is light plus the style");
      await throwsKan(() => svgOf(m, { theme: "blue" }), "INVALID_ARGUMENT", "unknown theme");
      m.dispose();
    },
  },
  {
    name: "toSVG misuse → KanError",
    fn: async () => {
      const m = model();
      await throwsKan(() => svgOf(m, { bta: 3 }), "UNKNOWN_OPTION", "misspelt option");
      await throwsKan(() => svgOf(m, { beta: -1 }), "INVALID_ARGUMENT", "negative beta");
      await throwsKan(() => svgOf(m, { width: 0 }), "INVALID_ARGUMENT", "width 0");
      await throwsKan(() => svgOf(m, { inputNames: ["x"] }), "INVALID_ARGUMENT", "too few names");
      await throwsKan(() => svgOf(m, { input: [[1, 2, 3]] }), "SHAPE_MISMATCH", "input of the wrong width");
      await throwsKan(() => svgOf(m, { scores: 3 }), "INVALID_ARGUMENT", "scores not an object");
      m.dispose();
    },
  },
];
