/**
 * A picture of a KAN as a standalone SVG string (no DOM needed): nodes as dots, layer by
 * layer from the inputs (bottom) to the outputs (top), and every live edge as a line through
 * a small plot of its function, as pykan's `plot` draws it.
 *
 * ```js
 * const svg = toSVG(model, { beta: 3, inputNames: ["x", "y"], outputNames: ["f"] });
 * fs.writeFileSync("kan.svg", svg);                       // Node
 * img.src = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));   // a page
 * ```
 *
 * An edge's opacity is tanh(beta * score) with its score from `model.attribute()` (the
 * samples of the last fit; all 1 when the model has none, e.g. before any fit). Symbolic
 * edges are red and named at the top of their panel; numeric ones in the ink colour. Each
 * plot spans its input's range, printed under it: the activations of `input` when given, else
 * the span of the input's grid (which grid updates move to the data), sampled at 50 points
 * and scaled to fill the panel. The picture's size follows the network (54 px per edge of the
 * widest layer, 132 px per layer); every label sits inside a panel or beyond the end nodes,
 * so no line crosses one.
 */
import { nodeGroups } from "./nodes.js";
import { KanError, describe } from "./errors.js";
import { toMatrix, type MatrixLike } from "./matrix.js";
import { checkOptions, enumOption } from "./options.js";
import type { FormulaModel } from "./formula.js";
import { symbolicById } from "./symbolic-lib.js";

/** Node and edge scores as `model.attribute()` returns them: edgeScores[l][j][i]. */
export interface EdgeScores {
  /** nodeScores[l][n]: the score of node n of node layer l (0 = the inputs). Default: not drawn. */
  nodeScores?: number[][];
  /** edgeScores[l][j][i]: the score of the edge from node i to node j of layer l. */
  edgeScores: number[][][];
}

/** What toSVG reads from a model: FormulaModel plus attribution and activations. */
export interface PlotModel extends FormulaModel {
  /** The inputs of layer l's edges for the samples `input`: rows x (layer l's inputs). */
  activations(input: MatrixLike, l: number): {
    /** Number of samples. */
    rows: number;
    /** Number of the layer's inputs. */
    cols: number;
    /** rows * cols values, row after row. */
    data: ArrayLike<number>;
  };
  /** Node and edge scores; without it every edge is drawn fully opaque. */
  attribute?(input?: MatrixLike): EdgeScores;
}

/** The options of `model.toSVG(options)` and `toSVG(model, options)`. */
export interface SVGOptions {
  /** Opacity of an edge is tanh(beta * score). Default 3. */
  beta?: number;
  /** Labels under the inputs. Default: none. */
  inputNames?: string[];
  /** Labels above the outputs. Default: none. */
  outputNames?: string[];
  /** Width of the picture in px (the drawing scales to it). Default: from the model's shape. */
  width?: number;
  /** Height of the picture in px. Default: from the model's shape. */
  height?: number;
  /** Samples whose activations give each plot's x range and the attribution; default: the last fit's. */
  input?: MatrixLike;
  /** Scores to use instead of model.attribute(). Default: model.attribute(input). */
  scores?: EdgeScores;
  /**
   * Colours: "light" (dark ink on white), "dark" (light ink on near-black), or "auto" (default):
   * light, with a `prefers-color-scheme: dark` style that switches to dark where the viewer
   * (a browser, inline or as an image) is in dark mode.
   */
  theme?: "auto" | "light" | "dark";
}

const SAMPLES = 50;
/** An edge's panel: a plot of its function over its input range, name on top, range below. */
const PANEL = 44;
const PITCH = 54;
const BAND = 132;
const MARGIN = 24;
const NAME = 10;
const TICKS = 9;
const LIGHT = { bg: "#fff", ink: "#1d1d1f", faint: "#76767c", symbolic: "#d62728" };
const DARK = { bg: "#1b1c1f", ink: "#e4e4e7", faint: "#a0a0a8", symbolic: "#ff7b72" };
type Palette = typeof LIGHT;

/** Colours of the other scheme, for theme "auto": CSS that overrides the attributes in dark mode. */
function darkStyle(d: Palette): string {
  return `<style>@media (prefers-color-scheme: dark) {` +
    ` .bg, .panel { fill: ${d.bg} } .edge { stroke: ${d.ink} } .edge.symbolic { stroke: ${d.symbolic} }` +
    ` .fn { fill: ${d.symbolic} } .node { fill: ${d.ink} } .mult circle { fill: ${d.bg}; stroke: ${d.ink} }` +
    ` .mult path { stroke: ${d.ink} } .name { fill: ${d.ink} } .tick { fill: ${d.faint} } }</style>`;
}

/** A tick label of at most 5 characters, so that both of a panel's fit under it. */
function tick(v: number): string {
  const a = Math.abs(v);
  let s: string;
  if (a >= 999.5 || (a > 0 && a < 0.005)) s = v.toExponential(0).replace("e+", "e");
  else if (a >= 9.95) s = v.toFixed(0);
  else if (a >= 1) s = String(Number(v.toFixed(1)));
  else s = String(Number(v.toFixed(2)));
  return s === "-0" ? "0" : s.replace(/-/g, "\u2212");
}

/** Escapes text for XML content and attribute values. @internal */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}

const n2 = (v: number) => {
  const s = v.toFixed(2);
  return s.replace(/\.?0+$/, "") || "0";
};

function positive(op: string, name: string, v: unknown, strict: boolean): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (strict && v === 0)) {
    throw new KanError(
      "INVALID_ARGUMENT",
      `${op}: option "${name}" must be a finite number ${strict ? "> 0" : ">= 0"}, got ${describe(v)}`,
    );
  }
  return v;
}

function labels(op: string, v: unknown, n: number, name: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length !== n || !v.every((s) => typeof s === "string")) {
    throw new KanError("INVALID_ARGUMENT", `${op}: option "${name}" must be ${n} strings, got ${describe(v)}`);
  }
  return v as string[];
}

/** The scores to draw with: given, from attribute(), or all 1 when the model cannot attribute. */
function edgeScores(op: string, model: PlotModel, o: SVGOptions): number[][][] | undefined {
  if (o.scores !== undefined) {
    if (o.scores === null || typeof o.scores !== "object" || !Array.isArray(o.scores.edgeScores)) {
      throw new KanError(
        "INVALID_ARGUMENT",
        `${op}: option "scores" must be attribute()'s result { nodeScores, edgeScores }, got ${describe(o.scores)}`,
      );
    }
    return o.scores.edgeScores;
  }
  if (typeof model.attribute !== "function") return undefined;
  if (o.input !== undefined) return model.attribute(o.input).edgeScores;
  try {
    return model.attribute().edgeScores;
  } catch (e) {
    // no samples to attribute on (a model that was never fitted): draw every edge fully
    if (e instanceof KanError) return undefined;
    throw e;
  }
}

/**
 * The network as an SVG document (a string). Every live edge (numeric or symbolic) gets one
 * `<g class="edge">` with two lines, a frame and one `<polyline>` of its function.
 */
const OPTIONS = ["beta", "inputNames", "outputNames", "width", "height", "input", "scores", "theme"];

/** The picture of `model` as a standalone SVG document (a string); `model.toSVG(opts)` calls it. */
export function toSVG(model: PlotModel, opts: SVGOptions = {}): string {
  const op = "toSVG";
  const o = checkOptions(op, opts, OPTIONS) as SVGOptions;
  const beta = positive(op, "beta", o.beta ?? 3, false);
  const theme = enumOption(op, "theme", o.theme ?? "auto", ["auto", "light", "dark"] as const);
  const inNames = labels(op, o.inputNames, model.inDim, "inputNames");
  const outNames = labels(op, o.outputNames, model.outDim, "outputNames");
  const input = o.input === undefined ? undefined : toMatrix(o.input, `${op}: input`);
  if (input && (input.cols !== model.inDim || input.rows === 0)) {
    throw new KanError(
      "SHAPE_MISMATCH",
      `${op}: input must have rows of ${model.inDim} numbers (the model's inputs), got ${input.rows} x ${input.cols}`,
    );
  }
  const scores = edgeScores(op, model, o);
  const cfg = model.config;
  const depth = model.depth;
  const dims = Array.from({ length: depth }, (_, l) => model.layerDims(l));
  const nodeCount = cfg.width.map(([s, m]) => s + m);

  const slots = Math.max(...dims.map(([ni, no]) => ni * no), ...nodeCount);
  const W = Math.max(240, slots * PITCH) + 2 * MARGIN;
  const H = depth * BAND + 2 * MARGIN + 28;
  const inner = W - 2 * MARGIN;
  const nodeX = (l: number, q: number) => MARGIN + (inner * (q + 0.5)) / nodeCount[l]!;
  const nodeY = (l: number) => H - MARGIN - 14 - l * BAND;
  const isMult = (l: number, q: number) => q >= cfg.width[l]![0];
  const c = theme === "dark" ? DARK : LIGHT;

  const out: string[] = [];
  const width = o.width === undefined ? W : positive(op, "width", o.width, true);
  const height = o.height === undefined ? H : positive(op, "height", o.height, true);
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${n2(width)}" height="${n2(height)}" ` +
    `viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" role="img">`);
  const shape = cfg.width.map(([s, m]) => (m ? `[${s},${m}]` : `${s}`)).join(",");
  out.push(`<title>${escapeXml(`KAN [${shape}]`)}</title>`);
  if (theme === "auto") out.push(darkStyle(DARK));
  out.push(`<rect class="bg" width="${W}" height="${H}" fill="${c.bg}"/>`);

  for (let l = 0; l < depth; l++) {
    const [ni, no, g, k] = dims[l]!;
    const sym = model.getLayerArray(l, "symbolic");
    const mask = model.getLayerArray(l, "mask");
    const knots = model.getLayerArray(l, "knots");
    const acts = input ? model.activations(input, l) : undefined;
    const groups = nodeGroups(cfg, l + 1);
    const owner: number[] = [];
    groups.forEach((g, q) => g.forEach((j) => (owner[j] = q)));
    const y0 = nodeY(l);
    const y1 = nodeY(l + 1);
    const mid = (y0 + y1) / 2;
    const top = mid - PANEL / 2;
    const bottom = mid + PANEL / 2;
    out.push(`<g class="layer" data-l="${l}">`);
    for (let i = 0; i < ni; i++) {
      let lo: number;
      let hi: number;
      if (acts) {
        lo = Infinity;
        hi = -Infinity;
        for (let r = 0; r < acts.rows; r++) {
          const v = acts.data[r * acts.cols + i]!;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      } else {
        const row = (g + 2 * k + 1) * i;
        lo = knots[row + k]!;
        hi = knots[row + k + g]!;
      }
      if (!(hi > lo)) {
        lo -= 0.5;
        hi += 0.5;
      }
      const xs = Array.from({ length: SAMPLES }, (_, s) => lo + ((hi - lo) * s) / (SAMPLES - 1));
      const ys = model.edgeValues(l, i, xs);
      for (let j = 0; j < no; j++) {
        const e = i * no + j;
        const id = sym[e]!;
        if (mask[e] === 0 && id === 0) continue;
        // a mult node's operands come in spread across it, left to right
        const q = owner[j]!;
        const group = groups[q]!;
        const side = group.length === 1 ? 0 : -5 + (10 * group.indexOf(j)) / (group.length - 1);
        const px = MARGIN + (inner * (i * no + j + 0.5)) / (ni * no);
        const left = px - PANEL / 2;
        const score = scores?.[l]?.[j]?.[i];
        const alpha = typeof score === "number" && Number.isFinite(score) ? Math.tanh(beta * Math.max(0, score)) : 1;
        const color = id !== 0 ? c.symbolic : c.ink;
        const opacity = Math.round(alpha * 1000) / 1000;
        out.push(`<g class="edge${id !== 0 ? " symbolic" : ""}" data-i="${i}" data-j="${j}" opacity="${opacity}" ` +
          `stroke="${color}" fill="none">`);
        // the lines meet the panel at the middle of its bottom and top sides, away from its labels
        out.push(`<line x1="${n2(nodeX(l, i))}" y1="${n2(y0)}" x2="${n2(px)}" y2="${n2(bottom)}" stroke-width="1"/>`);
        const x2 = n2(nodeX(l + 1, q) + side);
        out.push(`<line x1="${n2(px)}" y1="${n2(top)}" x2="${x2}" y2="${n2(y1)}" stroke-width="1"/>`);
        out.push(`<rect class="panel" x="${n2(left)}" y="${n2(top)}" width="${PANEL}" height="${PANEL}" ` +
          `fill="${c.bg}" stroke-width="0.6"/>`);
        let ymin = Infinity;
        let ymax = -Infinity;
        for (let s = 0; s < SAMPLES; s++) {
          const v = ys.data[s * no + j]!;
          if (v < ymin) ymin = v;
          if (v > ymax) ymax = v;
        }
        const flat = !(ymax - ymin > 1e-12 * (1 + Math.abs(ymax)));
        const pad = 3;
        const plotTop = top + (id !== 0 ? NAME : pad);
        const plotBottom = bottom - TICKS;
        const pts: string[] = [];
        for (let s = 0; s < SAMPLES; s++) {
          const v = ys.data[s * no + j]!;
          const fx = left + pad + ((PANEL - 2 * pad) * s) / (SAMPLES - 1);
          const h = plotBottom - plotTop;
          const fy = flat ? plotTop + h / 2 : plotBottom - (h * (v - ymin)) / (ymax - ymin);
          pts.push(`${n2(fx)},${n2(fy)}`);
        }
        out.push(`<polyline points="${pts.join(" ")}" stroke-width="1.4"/>`);
        // the input range under the plot, inside the panel
        const ty = n2(bottom - 2);
        out.push(`<text class="tick" x="${n2(left + 2)}" y="${ty}" font-size="7" fill="${c.faint}" stroke="none">` +
          `${tick(lo)}</text>`);
        out.push(`<text class="tick" x="${n2(left + PANEL - 2)}" y="${ty}" font-size="7" text-anchor="end" ` +
          `fill="${c.faint}" stroke="none">${tick(hi)}</text>`);
        if (id !== 0) {
          const name = symbolicById(id)?.name ?? `#${id}`;
          // long names are squeezed into the panel rather than spill over the lines
          const fit = name.length * 4.6 > PANEL - 4 ? ` textLength="${PANEL - 4}" lengthAdjust="spacingAndGlyphs"` : "";
          out.push(`<text class="fn" x="${n2(px)}" y="${n2(top + NAME - 2)}" font-size="8.5" ` +
            `text-anchor="middle"${fit} fill="${c.symbolic}" stroke="none">${escapeXml(name)}</text>`);
        }
        out.push("</g>");
      }
    }
    out.push("</g>");
  }

  out.push(`<g class="nodes">`);
  for (let l = 0; l <= depth; l++) {
    for (let q = 0; q < nodeCount[l]!; q++) {
      const x = n2(nodeX(l, q));
      const y = n2(nodeY(l));
      if (isMult(l, q)) {
        const a = nodeX(l, q);
        const b = nodeY(l);
        out.push(`<g class="mult"><circle cx="${x}" cy="${y}" r="7" fill="${c.bg}" stroke="${c.ink}" ` +
          `stroke-width="1.2"/>` +
          `<path d="M${n2(a - 3.5)},${n2(b - 3.5)}L${n2(a + 3.5)},${n2(b + 3.5)}` +
          `M${n2(a - 3.5)},${n2(b + 3.5)}L${n2(a + 3.5)},${n2(b - 3.5)}" stroke="${c.ink}" stroke-width="1.4"/></g>`);
      } else {
        out.push(`<circle class="node" cx="${x}" cy="${y}" r="4" fill="${c.ink}"/>`);
      }
    }
  }
  out.push("</g>");

  const text = (x: number, y: number, s: string) =>
    `<text class="name" x="${n2(x)}" y="${n2(y)}" font-size="12" text-anchor="middle" fill="${c.ink}">` +
    `${escapeXml(s)}</text>`;
  if (inNames || outNames) {
    out.push(`<g class="names">`);
    inNames?.forEach((s, q) => out.push(text(nodeX(0, q), nodeY(0) + 20, s)));
    outNames?.forEach((s, q) => out.push(text(nodeX(depth, q), nodeY(depth) - 10, s)));
    out.push("</g>");
  }
  out.push("</svg>");
  return out.join("\n");
}
