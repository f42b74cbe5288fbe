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
 * edges are red and labelled with their function; numeric ones black. Each plot spans its
 * input's range: the activations of `input` when given, else the span of the input's grid
 * (which grid updates move to the data), sampled at 50 points and scaled to fill the panel.
 */
import { KanError, describe } from "./errors.js";
import { toMatrix, type MatrixLike } from "./matrix.js";
import { checkOptions } from "./options.js";
import type { FormulaModel } from "./formula.js";
import { symbolicById } from "./symbolic-lib.js";

/** Node and edge scores as `model.attribute()` returns them: edgeScores[l][j][i]. */
export interface EdgeScores {
  nodeScores?: number[][];
  edgeScores: number[][][];
}

/** What toSVG reads from a model: FormulaModel plus attribution and activations. */
export interface PlotModel extends FormulaModel {
  activations(input: MatrixLike, l: number): { rows: number; cols: number; data: ArrayLike<number> };
  attribute?(input?: MatrixLike): EdgeScores;
}

export interface SVGOptions {
  /** Opacity of an edge is tanh(beta * score). Default 3. */
  beta?: number;
  /** Labels under the inputs and above the outputs. */
  inputNames?: string[];
  outputNames?: string[];
  /** Size of the picture in px (the drawing scales to it). Default: from the model's shape. */
  width?: number;
  height?: number;
  /** Samples whose activations give each plot's x range and the attribution; default: the last fit's. */
  input?: MatrixLike;
  /** Scores to use instead of model.attribute(). */
  scores?: EdgeScores;
}

const SAMPLES = 50;
const PANEL = 36;
const PITCH = 46;
const BAND = 118;
const MARGIN = 24;
const RED = "#d62728";

/** Escapes text for XML content and attribute values. */
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
const OPTIONS = ["beta", "inputNames", "outputNames", "width", "height", "input", "scores"];

export function toSVG(model: PlotModel, opts: SVGOptions = {}): string {
  const op = "toSVG";
  const o = checkOptions(op, opts, OPTIONS) as SVGOptions;
  const beta = positive(op, "beta", o.beta ?? 3, false);
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

  const out: string[] = [];
  const width = o.width === undefined ? W : positive(op, "width", o.width, true);
  const height = o.height === undefined ? H : positive(op, "height", o.height, true);
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${n2(width)}" height="${n2(height)}" ` +
    `viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" role="img">`);
  const shape = cfg.width.map(([s, m]) => (m ? `[${s},${m}]` : `${s}`)).join(",");
  out.push(`<title>${escapeXml(`KAN [${shape}]`)}</title>`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);

  for (let l = 0; l < depth; l++) {
    const [ni, no, g, k] = dims[l]!;
    const sym = model.getLayerArray(l, "symbolic");
    const mask = model.getLayerArray(l, "mask");
    const knots = model.getLayerArray(l, "knots");
    const acts = input ? model.activations(input, l) : undefined;
    const [s1] = cfg.width[l + 1]!;
    const y0 = nodeY(l);
    const y1 = nodeY(l + 1);
    const mid = (y0 + y1) / 2;
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
        // a mult node's two operands come in at its left and right
        const q = j < s1 ? j : s1 + Math.floor((j - s1) / 2);
        const side = j < s1 ? 0 : (j - s1) % 2 === 0 ? -5 : 5;
        const px = MARGIN + (inner * (i * no + j + 0.5)) / (ni * no);
        const top = mid - PANEL / 2;
        const bottom = mid + PANEL / 2;
        const score = scores?.[l]?.[j]?.[i];
        const alpha = typeof score === "number" && Number.isFinite(score) ? Math.tanh(beta * Math.max(0, score)) : 1;
        const color = id !== 0 ? RED : "#000";
        const opacity = Math.round(alpha * 1000) / 1000;
        out.push(`<g class="edge${id !== 0 ? " symbolic" : ""}" data-i="${i}" data-j="${j}" opacity="${opacity}" ` +
          `stroke="${color}" fill="none">`);
        out.push(`<line x1="${n2(nodeX(l, i))}" y1="${n2(y0)}" x2="${n2(px)}" y2="${n2(bottom)}" stroke-width="1"/>`);
        const x2 = n2(nodeX(l + 1, q) + side);
        out.push(`<line x1="${n2(px)}" y1="${n2(top)}" x2="${x2}" y2="${n2(y1)}" stroke-width="1"/>`);
        out.push(`<rect x="${n2(px - PANEL / 2)}" y="${n2(top)}" width="${PANEL}" height="${PANEL}" fill="#fff" ` +
          `stroke-width="0.6"/>`);
        let ymin = Infinity;
        let ymax = -Infinity;
        for (let s = 0; s < SAMPLES; s++) {
          const v = ys.data[s * no + j]!;
          if (v < ymin) ymin = v;
          if (v > ymax) ymax = v;
        }
        const flat = !(ymax - ymin > 1e-12 * (1 + Math.abs(ymax)));
        const pad = 3;
        const span = PANEL - 2 * pad;
        const pts: string[] = [];
        for (let s = 0; s < SAMPLES; s++) {
          const v = ys.data[s * no + j]!;
          const fx = px - PANEL / 2 + pad + (span * s) / (SAMPLES - 1);
          const fy = flat ? mid : bottom - pad - (span * (v - ymin)) / (ymax - ymin);
          pts.push(`${n2(fx)},${n2(fy)}`);
        }
        out.push(`<polyline points="${pts.join(" ")}" stroke-width="1.4"/>`);
        if (id !== 0) {
          const name = symbolicById(id)?.name ?? `#${id}`;
          out.push(`<text x="${n2(px)}" y="${n2(top - 3)}" font-size="9" text-anchor="middle" fill="${RED}" ` +
            `stroke="none">${escapeXml(name)}</text>`);
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
        out.push(`<g class="mult"><circle cx="${x}" cy="${y}" r="7" fill="#fff" stroke="#000" stroke-width="1.2"/>` +
          `<path d="M${n2(a - 3.5)},${n2(b - 3.5)}L${n2(a + 3.5)},${n2(b + 3.5)}` +
          `M${n2(a - 3.5)},${n2(b + 3.5)}L${n2(a + 3.5)},${n2(b - 3.5)}" stroke="#000" stroke-width="1.4"/></g>`);
      } else {
        out.push(`<circle cx="${x}" cy="${y}" r="4" fill="#000"/>`);
      }
    }
  }
  out.push("</g>");

  const text = (x: number, y: number, s: string) =>
    `<text x="${n2(x)}" y="${n2(y)}" font-size="12" text-anchor="middle" fill="#000">${escapeXml(s)}</text>`;
  if (inNames || outNames) {
    out.push(`<g class="names">`);
    inNames?.forEach((s, q) => out.push(text(nodeX(0, q), nodeY(0) + 20, s)));
    outNames?.forEach((s, q) => out.push(text(nodeX(depth, q), nodeY(depth) - 10, s)));
    out.push("</g>");
  }
  out.push("</svg>");
  return out.join("\n");
}
