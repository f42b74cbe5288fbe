/**
 * Expression to KAN (KAN 2.0's kanpiler): a formula written as text becomes a network whose
 * edges are symbolic functions c*f(a*x + b) + d computing it exactly, ready to train (the
 * numeric splines are masked; fit tunes the symbolic edges' a, b, c, d, and unfixSymbolic
 * turns an edge back into a trainable spline).
 *
 * ```js
 * const model = KAN.fromExpression("exp(sin(pi*x1) + x2^2) + x1*x2");
 * model.width;                  // [2, [1, 1], 1]: one sum node, one multiplication node
 * model.predict([[0.5, 0.2]]);  // exp(1.04) + 0.1
 * ```
 *
 * # How it is built
 * The text is read by the equation parser (equation.ts). Each sub-expression becomes a sum of
 * terms c*f(a*s + b) over source nodes s, plus a constant: `+`, `-` and constant factors act
 * on the terms; a library function of a single term folds that term's scale and the constant
 * into its a and b; anything larger becomes a sum node first. A product of non-constant
 * factors is one multiplication node whose subnodes are the factors (up to `maxArity` of them;
 * longer products nest).
 * `u / v` is u times 1/x of v, `u^n` the library's x^n, 1/x^n or sqrt,
 * `c^u` exp(log(c) u), and `u^v` exp(v log|u|). A node's layer is one past its deepest source;
 * identity edges carry a value through the layers it skips, and a second edge from one source
 * to one node goes through a copy of the source one layer up, since a KAN has one edge per pair.
 */
import { MAX_ARITY, normaliseConfig, type KANOptions } from "./config.js";
import { checkNames, parseEquation, type Node } from "./equation.js";
import { KanError, describe } from "./errors.js";
import { ModelHandle } from "./model.js";
import { checkOptions, intOption } from "./options.js";
import { symbolicById, symbolicId } from "./symbolic-lib.js";

/** Options of `KAN.fromExpression(text, options)`: those of `new KAN` but width, and the inputs' names. */
export type ExpressionOptions = Omit<KANOptions, "width" | "multArity"> & {
  /** The inputs' names, in column order. Default: x1 .. xN, N the largest index of such a name in the text. */
  inputNames?: string[];
  /** The most factors of one multiplication node (2 to 64); longer products nest. Default 2. */
  maxArity?: number;
};

interface Input { kind: "in"; i: number }
interface Sum { kind: "sum"; form: Form }
interface Mult { kind: "mult"; factors: Form[] }
type Src = Input | Sum | Mult;
/** c * fn(a * src + b); identity terms have fn "x", a = 1, b = 0. */
interface Term { fn: string; src: Src; a: number; b: number; c: number }
/** sum of terms + k. */
interface Form { terms: Term[]; k: number }

const identity = (src: Src, c = 1): Term => ({ fn: "x", src, a: 1, b: 0, c });
const scale = (f: Form, s: number): Form => ({ terms: f.terms.map((t) => ({ ...t, c: t.c * s })), k: f.k * s });
const isConst = (f: Form): boolean => f.terms.length === 0;

class Compiler {
  readonly inputs: Input[];
  constructor(n: number, readonly maxArity: number, readonly fail: (msg: string) => never) {
    this.inputs = Array.from({ length: n }, (_, i) => ({ kind: "in", i }));
  }

  /** The node holding a form's value: its source when it is one plain term, else a new sum node. */
  node(f: Form): Src {
    const t = f.terms[0];
    if (f.terms.length === 1 && t!.fn === "x" && t!.c === 1 && f.k === 0) return t!.src;
    return { kind: "sum", form: dedupe(f) };
  }

  unary(fn: string, f: Form): Form {
    const def = symbolicById(symbolicId(fn)!)!;
    if (isConst(f)) return { terms: [], k: def.fn(f.k) };
    const t = f.terms[0]!;
    if (f.terms.length === 1 && t.fn === "x") return { terms: [{ fn, src: t.src, a: t.c, b: f.k, c: 1 }], k: 0 };
    return { terms: [{ fn, src: this.node(f), a: 1, b: 0, c: 1 }], k: 0 };
  }

  product(factors: Form[]): Form {
    let c = 1;
    const live: Form[] = [];
    for (const f of factors) {
      if (isConst(f)) c *= f.k;
      else live.push(f);
    }
    if (live.length === 0) return { terms: [], k: c };
    if (live.length === 1) return scale(live[0]!, c);
    while (live.length > this.maxArity) {
      const group = live.splice(0, this.maxArity);
      live.unshift({ terms: [identity({ kind: "mult", factors: group.map(dedupe) })], k: 0 });
    }
    return { terms: [identity({ kind: "mult", factors: live.map(dedupe) }, c)], k: 0 };
  }

  power(base: Form, n: number): Form {
    if (isConst(base)) return { terms: [], k: base.k ** n };
    if (n === 1) return base;
    if (n === 0) return { terms: [], k: 1 };
    const name = n === 0.5 ? "sqrt" : n > 0 ? `x^${n}` : n === -1 ? "1/x" : `1/x^${-n}`;
    if (symbolicId(name) === undefined) this.fail(`the power ${n} is not in the symbolic library (its "${name}")`);
    return this.unary(name, base);
  }

  form(e: Node): Form {
    switch (e.k) {
      case "num": return { terms: [], k: e.v };
      case "in": return { terms: [identity(this.inputs[e.i]!)], k: 0 };
      case "out": return this.fail("outputs cannot appear in an expression");
      case "neg": return scale(this.form(e.a), -1);
      case "fn": return this.unary(symbolicById(e.id)!.name, this.form(e.a));
      case "bin": {
        if (e.op === "*") return this.product([...this.factors(e.a), ...this.factors(e.b)]);
        const a = this.form(e.a);
        const b = this.form(e.b);
        switch (e.op) {
          case "+": return dedupe({ terms: [...a.terms, ...b.terms], k: a.k + b.k });
          case "-": return dedupe({ terms: [...a.terms, ...scale(b, -1).terms], k: a.k - b.k });
          case "/": return isConst(b) ? scale(a, 1 / b.k) : this.product([a, this.power(b, -1)]);
          case "^":
            if (isConst(b)) return this.power(a, b.k);
            if (isConst(a)) return this.unary("exp", scale(b, Math.log(a.k)));
            return this.unary("exp", this.product([b, this.unary("log", a)]));
        }
      }
    }
  }

  /** The factors of a product chain, so that x*y*z is one node of arity 3. */
  factors(e: Node): Form[] {
    return e.k === "bin" && e.op === "*" ? [...this.factors(e.a), ...this.factors(e.b)] : [this.form(e)];
  }
}

/** Merges identity terms of one source, drops terms worth 0; a second function of one source reads a copy of it. */
function dedupe(f: Form): Form {
  const out: Term[] = [];
  for (const t of f.terms) {
    const same = out.find((u) => u.src === t.src);
    if (same === undefined) out.push({ ...t });
    else if (same.fn === "x" && t.fn === "x") same.c += t.c;
    else out.push({ ...t, src: { kind: "sum", form: { terms: [identity(t.src)], k: 0 } } });
  }
  // terms that cancel (x1 - x1) or were scaled by 0 contribute nothing
  return { terms: out.filter((t) => t.c !== 0), k: f.k };
}

function sources(s: Src): Term[] {
  return s.kind === "in" ? [] : s.kind === "sum" ? s.form.terms : s.factors.flatMap((f) => f.terms);
}

function depth(s: Src, memo: Map<Src, number>): number {
  let d = memo.get(s);
  if (d === undefined) {
    d = s.kind === "in" ? 0 : 1 + Math.max(...sources(s).map((t) => depth(t.src, memo)));
    memo.set(s, d);
  }
  return d;
}

/** A model computing `text` (one output per string); see the module comment. @internal */
export function fromExpression(text: unknown, opts: ExpressionOptions = {}): ModelHandle {
  const op = "fromExpression";
  const texts = Array.isArray(text) ? text : [text];
  if (texts.length === 0 || texts.some((t) => typeof t !== "string" || t.trim() === "")) {
    throw new KanError(
      "INVALID_ARGUMENT",
      `${op}: text must be a non-empty string or an array of them, got ${JSON.stringify(text) ?? describe(text)}`,
    );
  }
  const o = checkOptions(op, opts, ["inputNames", "maxArity", "grid", "k", "gridRange", "baseFun", "noiseScale",
    "gridEps", "dtype", "seed", "scaleBaseMu", "scaleBaseSigma", "scaleSp", "sbTrainable", "spTrainable",
  ]) as ExpressionOptions;
  let names = o.inputNames;
  if (names === undefined) {
    const n = Math.max(0, ...texts.flatMap((t: string) => [...t.matchAll(/\bx(\d+)\b/g)].map((m) => Number(m[1]))));
    if (n === 0) {
      throw new KanError("INVALID_ARGUMENT", `${op}: no input x1, x2, ... in the text; name them with inputNames`);
    }
    names = Array.from({ length: n }, (_, i) => `x${i + 1}`);
  }
  if (!Array.isArray(names) || names.length === 0) {
    throw new KanError("INVALID_ARGUMENT", `${op}: option "inputNames" must be a non-empty array of names`);
  }
  checkNames(`${op}: options`, { inputNames: names, outputNames: [] });
  const where = (q: number): string => (Array.isArray(text) ? `${op}: text[${q}]` : `${op}: text`);
  const maxArity = intOption(op, "maxArity", o.maxArity ?? 2, 2, MAX_ARITY);
  const compiler = new Compiler(names.length, maxArity, (msg) => {
    throw new KanError("INVALID_ARGUMENT", `${op}: ${msg}`);
  });
  const outputs = texts.map((t: string, q) => {
    const eq = t.indexOf("=");
    if (eq >= 0) {
      throw new KanError("INVALID_ARGUMENT", `${where(q)}: "=" at column ${eq + 1}: an expression has none`);
    }
    const f = dedupe(compiler.form(parseEquation(t, { inputNames: names, outputNames: [] }, where(q)).residual));
    if (isConst(f)) throw new KanError("INVALID_ARGUMENT", `${where(q)}: the expression is the constant ${f.k}`);
    return f;
  });
  return build(op, compiler.inputs, outputs, o);
}

/** Lays the nodes out in layers, makes the model and writes its symbolic edges. */
function build(op: string, inputs: Input[], outputs: Form[], o: ExpressionOptions): ModelHandle {
  const memo = new Map<Src, number>();
  const out: Sum[] = outputs.map((form) => ({ kind: "sum", form }));
  const depthL = Math.max(...out.map((s) => depth(s, memo)));
  // every term reads a node exactly one layer down: identity chains carry the values that skip layers
  const carry = new Map<Src, Src[]>();
  const at = (src: Src, level: number): Src => {
    const chain = carry.get(src) ?? [src];
    carry.set(src, chain);
    while (depth(src, memo) + chain.length - 1 < level) {
      const next: Sum = { kind: "sum", form: { terms: [identity(chain[chain.length - 1]!)], k: 0 } };
      memo.set(next, depth(src, memo) + chain.length);
      chain.push(next);
    }
    return chain[level - depth(src, memo)]!;
  };
  const layers: Src[][] = Array.from({ length: depthL + 1 }, () => []);
  layers[0] = inputs.slice();
  const seen = new Set<Src>(inputs);
  const place = (s: Src, level: number): void => {
    if (seen.has(s)) return;
    seen.add(s);
    layers[level]!.push(s);
    for (const t of sources(s)) {
      t.src = at(t.src, level - 1);
      place(t.src, level - 1);
    }
  };
  layers[depthL] = out;
  for (const s of out) {
    memo.set(s, depthL);
    seen.add(s);
  }
  for (const s of out) {
    for (const t of sources(s)) {
      t.src = at(t.src, depthL - 1);
      place(t.src, depthL - 1);
    }
  }
  // within a node layer: sum nodes first, then multiplication nodes
  for (let l = 1; l < depthL; l++) layers[l]!.sort((a, b) => (a.kind === "mult" ? 1 : 0) - (b.kind === "mult" ? 1 : 0));
  const width = layers.map((ns): [number, number] => {
    const m = ns.filter((n) => n.kind === "mult").length;
    return [ns.length - m, m];
  });
  const multArity = layers.map((ns) => ns.flatMap((n) => (n.kind === "mult" ? [n.factors.length] : [])));
  const kanOptions: Record<string, unknown> = { ...o, width, multArity };
  delete kanOptions.inputNames;
  delete kanOptions.maxArity;
  const cfg = normaliseConfig(kanOptions, op);
  const model = ModelHandle.create(cfg, op);
  try {
    for (let l = 0; l < depthL; l++) {
      const [ni, no] = model.layerDims(op, l);
      const sym = new Float64Array(ni * no);
      const aff = new Float64Array(ni * no * 4);
      const index = new Map(layers[l]!.map((n, q) => [n, q]));
      let sub = 0;
      const edges = (f: Form): void => {
        f.terms.forEach((t, q) => {
          const e = index.get(t.src)! * no + sub;
          sym[e] = symbolicId(t.fn)!;
          aff.set([t.a, t.b, t.c, q === 0 ? f.k : 0], 4 * e);
        });
        sub++;
      };
      for (const n of layers[l + 1]!) {
        if (n.kind === "sum") edges(n.form);
        else if (n.kind === "mult") n.factors.forEach(edges);
      }
      model.setArray(op, l, "mask", new Float64Array(ni * no));
      model.setArray(op, l, "symbolic", sym);
      model.setArray(op, l, "affine", aff);
    }
  } catch (e) {
    model.free();
    throw e;
  }
  return model;
}
