/**
 * The formula of a KAN: its edges' `c*f(a*x + b) + d` composed layer by layer into one
 * expression per output, as text, LaTeX or the source of a JavaScript function.
 *
 * ```js
 * model.autoSymbolic({ lib: ["x^2", "sin", "exp"] });
 * symbolicFormula(model);                        // ["exp(x2^2 + sin(3.1416*x1))"]
 * symbolicFormula(model, { format: "latex" });   // ["e^{x_{2}^{2} + \\sin{\\left(3.1416 x_{1} \\right)}}"]
 * const f = new Function("return " + symbolicFormula(model, { format: "js" })[0])();
 * f(0.5, -0.2);                                  // the model's output at (0.5, -0.2)
 * ```
 *
 * Numbers are composed at full precision and rounded once, when printed, to `digits` decimals
 * (pykan's ex_round), or `digits` significant figures below 1. Terms whose size over the data
 * rounds to 0 are dropped, constants are folded into one in every format, `1*u` reads `u`, and
 * a scale inside a power is pulled out: `c*(a*u)^2` reads `(c*a^2)*u^2`. Logarithms and roots
 * print as the core computes them (log|u|, sqrt(max(u, 0))) unless the sign of u over the
 * data, read from the grid of the edge's input, makes the plain form exact (a grid not yet
 * fitted to data tells it only as a gridRange stated for the inputs). The "js" format
 * keeps every number exact (unless `digits` is given) and evaluates the core's guarded
 * functions, so it computes what the model computes.
 *
 * # Shapes
 * One string per output (`model.outDim`); inputs are x1..xn (1-based, as pykan names them).
 */
import { MODEL_DEFAULTS } from "./config.js";
import { nodeGroups } from "./nodes.js";
import { KanError, describe } from "./errors.js";
import type { Matrix } from "./matrix.js";
import { checkOptions, enumOption, intOption } from "./options.js";
import { jsHelpers, symbolicById, type SymbolicFunction } from "./symbolic-lib.js";

/** What symbolicFormula and toSVG read from a model (a KAN has all of it). */
export interface FormulaModel {
  /** Number of layers of edges. */
  readonly depth: number;
  /** Number of inputs. */
  readonly inDim: number;
  /** Number of outputs. */
  readonly outDim: number;
  /** The parts of the configuration a formula needs. */
  readonly config: {
    /** [sum nodes, multiplication nodes] per layer. */
    width: [number, number][];
    /** The arity of each multiplication node, per node layer; absent: all 2. */
    multArity?: number[][];
    /** The residual function's name. */
    baseFun: string;
    /** "float32" or "float64". */
    dtype: string;
    /** The range the grids were made over (a user's statement of the inputs' range unless the default). */
    gridRange?: [number, number];
  };
  /** Layer l's [inputs, outputs, grid intervals, spline order]. */
  layerDims(l: number): [number, number, number, number];
  /** One of layer l's parameter arrays, as float64. */
  getLayerArray(l: number,
    what: "knots" | "coef" | "scaleBase" | "scaleSp" | "affine" | "mask" | "symbolic" | "bias"): Float64Array;
  /** The values of every edge leaving input i of layer l at the points x: x.length rows, one column per output. */
  edgeValues(l: number, i: number, x: ArrayLike<number>): Matrix;
}

/** "text" (plain), "latex", or "js" (the source of a JavaScript function that computes the model). */
export type FormulaFormat = "text" | "latex" | "js";

/** The options of `model.symbolicFormula(options)`. */
export interface FormulaOptions {
  /** Decimals numbers are rounded to. Default 4 for text and latex; js keeps exact numbers unless given. */
  digits?: number;
  /** Default "text". */
  format?: FormulaFormat;
  /** Names of the inputs, default x1..xn. For "js" they must be JavaScript identifiers. */
  inputNames?: string[];
  /** Names of the outputs: text and latex read `name = formula`, js gives the function that name. Default: none. */
  outputNames?: string[];
}

// ---- expressions ----
// A node's value is a Lin: a sum of coefficient * term plus a constant. Terms are variables,
// library functions of a Lin, products of Lins (multiplication nodes) and numeric edges.
type Expr =
  | { k: "var"; i: number }
  | { k: "call"; f: SymbolicFunction; arg: Lin }
  | { k: "mul"; fs: Lin[] }
  | { k: "phi"; l: number; i: number; j: number; arg: Lin };

interface Term {
  c: number;
  e: Expr;
  key: string;
  /** Exponents of a monomial in the inputs as [input, power] pairs, else null. */
  mono: [number, number][] | null;
  /** At least 1, and the term's largest magnitude over the data where known: c drops when c*mag rounds to 0. */
  mag: number;
}

interface Lin {
  t: Term[];
  c: number;
}

/**
 * Rounds to `digits` decimals as Python's round(x, n) does (pykan's ex_round): to nearest on
 * the exact binary value, ties to even.
 */
export function exRound(v: number, digits: number): number {
  if (!Number.isFinite(v) || Math.abs(v) >= 1e15) return v;
  const a = Math.abs(v);
  let r = Number(a.toFixed(digits));
  // toFixed rounds an exact tie away from zero; Python keeps the even neighbour
  const long = a.toFixed(Math.min(100, digits + 30));
  const dot = long.indexOf(".");
  if (/^50*$/.test(long.slice(dot + 1 + digits))) {
    const kept = long.slice(0, digits === 0 ? dot : dot + 1 + digits);
    if (Number(kept[kept.length - 1]) % 2 === 0) r = Number(kept);
  }
  const out = v < 0 ? -r : r;
  return out === 0 ? 0 : out;
}

class Ctx {
  readonly helpers = new Set<string>();
  /** exprStr results of the output being printed (printing tries several forms of each sum). */
  readonly printed = new Map<Expr, { s: string; atom: boolean; den?: string }>();
  constructor(
    readonly format: FormulaFormat,
    readonly digits: number | undefined,
    readonly names: string[],
  ) {}

  /**
   * `digits` decimals, or `digits` significant figures (at least 1) for numbers below 1: a
   * scale of 0.00027829 must not lose its digits before it multiplies a large term. Whether a
   * term drops is decided apart (zero, dead), on decimals.
   */
  round(v: number): number {
    if (this.digits === undefined) return v;
    if (Math.abs(v) >= 1 || v === 0 || !Number.isFinite(v)) return exRound(v, this.digits);
    return Number(v.toPrecision(Math.max(1, this.digits)));
  }
  zero(v: number): boolean {
    return this.digits === undefined ? v === 0 : exRound(v, this.digits) === 0;
  }
  /** Whether term t with coefficient c rounds away. */
  dead(t: Term, c = t.c): boolean {
    return this.zero(c * t.mag);
  }
  num(v: number): string {
    const r = this.round(v);
    const s = r === 0 ? "0" : String(r);
    if (this.format !== "latex") return s;
    const m = /^(-?[\d.]+)e([+-])(\d+)$/.exec(s);
    return m ? `${m[1]} \\cdot 10^{${m[2] === "-" ? "-" : ""}${m[3]}}` : s;
  }

  // ---- building ----
  key(e: Expr): string {
    switch (e.k) {
      case "var": return `x${e.i + 1}`;
      case "call": return `${e.f.name}(${this.linKey(e.arg)})`;
      case "mul": return `*(${e.fs.map((f) => this.linKey(f)).join(",")})`;
      case "phi": return `~phi${e.l},${e.i},${e.j}(${this.linKey(e.arg)})`;
    }
  }
  linKey(l: Lin): string {
    return l.t.map((t) => `${this.round(t.c)}${t.key}`).join("+") + `;${this.round(l.c)}`;
  }
  mono(e: Expr): [number, number][] | null {
    if (e.k === "var") return [[e.i, 1]];
    if (e.k === "call") {
      const p = e.f.power;
      const u = unit(e.arg);
      if (p !== undefined && p > 0 && Number.isInteger(p) && u?.e.k === "var" && this.round(e.arg.t[0]!.c) === 1) {
        return [[u.e.i, p]];
      }
      return null;
    }
    if (e.k === "mul") {
      const acc = new Map<number, number>();
      for (const f of e.fs) {
        const u = unit(f);
        const m = u && this.round(u.c) === 1 ? u.mono : null;
        if (!m) return null;
        for (const [i, p] of m) acc.set(i, (acc.get(i) ?? 0) + p);
      }
      return [...acc].sort((a, b) => a[0] - b[0]);
    }
    return null;
  }
  term(c: number, e: Expr, mag = 1): Term {
    return { c, e, key: this.key(e), mono: this.mono(e), mag };
  }

  /** The sum of `parts`, like terms merged, zero terms dropped, in canonical order. */
  sum(parts: Lin[]): Lin {
    const byKey = new Map<string, Term>();
    let c = 0;
    for (const p of parts) {
      c += p.c;
      for (const t of p.t) {
        const old = byKey.get(t.key);
        if (old) byKey.set(t.key, { ...old, c: old.c + t.c });
        else byKey.set(t.key, t);
      }
    }
    const t = [...byKey.values()].filter((x) => !this.dead(x)).sort(order);
    return { t, c };
  }
  scale(l: Lin, a: number): Lin {
    return { t: l.t.map((t) => ({ ...t, c: t.c * a })).filter((t) => !this.dead(t)), c: l.c * a };
  }
  call(c: number, f: SymbolicFunction, arg: Lin, d: number, r?: [number, number]): Lin {
    const mag = r ? magnitude(f, r) : 1;
    return { t: this.zero(c * mag) ? [] : [this.term(c, { k: "call", f, arg }, mag)], c: d };
  }

  /**
   * c * f(a*x + b) + d for the node value x, which spans `range` over the data (the interior
   * knots of its input). The range decides how logarithms and roots print: the core computes
   * log|u| and sqrt(max(u, 0)), which read log(u) and sqrt(u) only where u > 0 (u >= 0).
   */
  edge(x: Lin, f: SymbolicFunction, a: number, b: number, c: number, d: number, range?: [number, number],
    known = true): Lin {
    let inner = this.sum([this.scale(x, a), constant(b)]);
    let r = range ? sorted(a * range[0] + b, a * range[1] + b) : undefined;
    if (f.power === 1) return this.sum([this.scale(inner, c), constant(d)]);
    if (inner.t.length === 0 || f.name === "0") return constant(c * f.fn(inner.c) + d);
    // f(-u) = ±f(u), in every format; js keeps the core's arctanh argument (that one is not exactly odd)
    if (f.parity && inner.t[0]!.c < 0 && !(this.format === "js" && f.name === "arctanh")) {
      inner = this.scale(inner, -1);
      r = r && [-r[1], -r[0]];
      if (f.parity === "odd") c = -c;
    }
    const p = f.power;
    const only = inner.t.length === 1 && this.zero(inner.c) ? inner.t[0]! : undefined;
    if (p !== undefined && only) {
      const alpha = only.c;
      // in js only integer powers: moving the scale out of a guarded pole or root would move its guard
      const ok = this.format === "js" ? p > 0 && Number.isInteger(p) : Number.isInteger(p) || alpha > 0;
      if (ok) {
        c *= Math.pow(alpha, p);
        inner = { t: [{ ...only, c: 1 }], c: 0 };
        r = r && sorted(r[0] / alpha, r[1] / alpha);
      }
    }
    // the sign of the argument picks the printed form only where the range is the data's
    if (f.name === "log" && known && r && r[1] < 0) {
      inner = this.scale(inner, -1);
      r = [-r[1], -r[0]];
    }
    // js needs no care: its helpers compute the core's log|u| and sqrt(max(u, 0)) themselves
    if (this.format !== "js") {
      const pos = known && r && r[0] > 0;
      if (f.name === "log" && !pos) inner = this.wrap(ABS, inner, r && [0, Math.max(-r[0], r[1])]);
      else if (p !== undefined && !Number.isInteger(p)) {
        // a root of an argument negative over all the data is the core's constant f(0)
        if (known && r && r[1] <= 0) return constant(c * f.fn(0) + d);
        if (!(known && r && r[0] >= 0)) inner = this.wrap(MAX0, inner, r && [0, Math.max(r[1], 0)]);
      }
    }
    if (f.name === "exp" && !this.zero(inner.c)) {
      // c*exp(u + b) = (c*e^b)*exp(u): taken out when that leaves 1 or merges into a scale already there
      const k = c * Math.exp(inner.c);
      const rk = Math.abs(this.round(k));
      if (Number.isFinite(k) && rk !== 0 && (rk === 1 || Math.abs(this.round(c)) !== 1)) {
        return this.call(k, f, { t: inner.t, c: 0 }, d, r && [r[0] - inner.c, r[1] - inner.c]);
      }
    }
    return this.call(c, f, inner, d, r);
  }

  /** g(u) as a Lin of one term. */
  wrap(g: SymbolicFunction, u: Lin, r?: [number, number]): Lin {
    return { t: [this.term(1, { k: "call", f: g, arg: u }, r ? magnitude(g, r) : 1)], c: 0 };
  }

  /** The product of the two subnodes of a multiplication node. */
  product(a: Lin, b: Lin): Lin {
    if (a.t.length === 0) return this.scale(b, a.c);
    if (b.t.length === 0) return this.scale(a, b.c);
    let coef = 1;
    const fs: Lin[] = [];
    for (const f of [a, b]) {
      const u = f.t.length === 1 && this.zero(f.c) ? f.t[0]! : undefined;
      if (!u) {
        fs.push(f);
        continue;
      }
      coef *= u.c;
      if (u.e.k === "mul") fs.push(...u.e.fs);
      else fs.push({ t: [{ ...u, c: 1 }], c: 0 });
    }
    // single terms first, then sums in parentheses: 3*x2*(x1 + 1)
    fs.sort((x, y) => Number(!unit(x)) - Number(!unit(y)) || cmp(this.linKey(x), this.linKey(y)));
    return { t: [this.term(coef, { k: "mul", fs })], c: 0 };
  }

  // ---- printing ----
  linStr(l: Lin): { s: string; atom: boolean } {
    const cand = [this.sumStr(l.t, l.c, 1)];
    if (l.t.length >= 2) {
      // a common factor outside parentheses, where that reads shorter
      const g = l.t[0]!.c;
      const rg = this.round(g);
      if (Math.abs(rg) !== 1 && rg !== 0) {
        const inside = this.sumStr(l.t, 0, g);
        const outside = this.zero(l.c) ? "" : this.signed(l.c);
        const mul = this.format === "latex" ? (rg < 0 ? "- " : "") + this.num(Math.abs(g)) + " " : this.num(g) + "*";
        const open = this.format === "latex" ? "\\left(" : "(";
        const close = this.format === "latex" ? "\\right)" : ")";
        cand.push({ s: `${mul}${open}${inside.s}${close}${outside}`, atom: false });
        if (!this.zero(l.c)) cand.push({ s: `${mul}${open}${this.sumStr(l.t, l.c, g).s}${close}`, atom: false });
      }
    }
    return cand.reduce((best, x) => (x.s.length < best.s.length ? x : best));
  }

  /** " + |v|" or " - |v|". */
  signed(v: number): string {
    return this.round(v) < 0 ? ` - ${this.num(-v)}` : ` + ${this.num(v)}`;
  }

  /** The terms divided by `g`, then the constant divided by g. */
  sumStr(terms: Term[], c: number, g: number): { s: string; atom: boolean } {
    const parts: string[] = [];
    let atom = false;
    for (const t of terms) {
      const v = t.c / g;
      if (this.dead(t, v)) continue;
      const r = this.termStr(v, t.e);
      if (parts.length === 0) {
        parts.push(r.neg ? `-${r.s}` : r.s);
        atom = !r.neg && r.atom;
      } else {
        parts.push(r.neg ? ` - ${r.s}` : ` + ${r.s}`);
        atom = false;
      }
    }
    const cg = c / g;
    if (!this.zero(cg)) {
      if (parts.length === 0) return { s: this.num(cg), atom: this.round(cg) > 0 };
      parts.push(this.signed(cg));
      atom = false;
    }
    if (parts.length === 0) return { s: "0", atom: true };
    return { s: parts.join(""), atom };
  }

  /** |c| * e, and whether c is negative. */
  termStr(c: number, e: Expr): { s: string; neg: boolean; atom: boolean } {
    const r = this.round(c);
    const mag = Math.abs(r);
    const body = this.exprStr(e);
    const neg = r < 0;
    if (body.den !== undefined) {
      const n = this.num(mag);
      return { s: this.format === "latex" ? `\\frac{${n}}{${body.den}}` : `${n}/${body.den}`, neg, atom: false };
    }
    if (mag === 1) return { s: body.s, neg, atom: body.atom };
    const s = this.format === "latex" ? `${this.num(mag)} ${body.s}` : `${this.num(mag)}*${body.s}`;
    return { s, neg, atom: false };
  }

  exprStr(e: Expr): { s: string; atom: boolean; den?: string } {
    let r = this.printed.get(e);
    if (!r) {
      r = this.exprStrUncached(e);
      this.printed.set(e, r);
    }
    return r;
  }

  exprStrUncached(e: Expr): { s: string; atom: boolean; den?: string } {
    const fmt = this.format;
    switch (e.k) {
      case "var":
        return { s: this.names[e.i]!, atom: true };
      case "call": {
        const a = this.linStr(e.arg);
        if (fmt === "js") {
          for (const h of e.f.helpers) this.helpers.add(h);
          return { s: e.f.js(a.s), atom: true };
        }
        const out: { s: string; atom: boolean; den?: string } = { s: e.f[fmt](a.s, a.atom), atom: e.f.atom[fmt] };
        if (e.f.den) out.den = e.f.den[fmt](a.s, a.atom);
        return out;
      }
      case "phi": {
        const a = this.linStr(e.arg).s;
        const s = fmt === "latex"
          ? `\\varphi_{${e.l},${e.i},${e.j}}\\left(${a}\\right)`
          : `φ_{${e.l},${e.i},${e.j}}(${a})`;
        return { s, atom: true };
      }
      case "mul": {
        const parts = e.fs.map((f) => {
          const u = unit(f);
          if (u && !this.dead(u)) {
            const t = this.termStr(u.c, u.e);
            if (!t.neg && this.round(u.c) === 1 && this.exprStr(u.e).den === undefined) return t.s;
          }
          const s = this.linStr(f).s;
          return fmt === "latex" ? `\\left(${s}\\right)` : `(${s})`;
        });
        return { s: parts.join(fmt === "latex" ? " " : "*"), atom: false };
      }
    }
  }
}

const constant = (c: number): Lin => ({ t: [], c });
/** max(1, the largest |f| of 9 points spread over r): a term's size over the data. */
function magnitude(f: SymbolicFunction, r: [number, number]): number {
  let m = 1;
  for (let q = 0; q <= 8; q++) m = Math.max(m, Math.abs(f.fn(r[0] + ((r[1] - r[0]) * q) / 8)));
  return Number.isFinite(m) ? m : 1;
}
const sorted = (u: number, v: number): [number, number] => (u <= v ? [u, v] : [v, u]);
/** Whether `t` are still the uniform knots of grid g, order k over [lo, hi] (float32 rounding allowed). */
const asMade = (t: Float64Array, g: number, k: number, lo: number, hi: number): boolean =>
  t.every((v, q) => Math.abs(v - (lo + ((hi - lo) / g) * (q - k))) <= 1e-6 * (hi - lo));
/** |u|, the library's abs. */
const ABS = symbolicById(18)!;
/** max(u, 0): the core's clamp of a root's argument, printed where the argument changes sign. */
const MAX0: SymbolicFunction = Object.freeze({
  id: -1, name: "max0", complexity: 0, fn: (x: number) => Math.max(x, 0),
  helpers: Object.freeze([]) as readonly string[],
  text: (a: string) => `max(${a}, 0)`, latex: (a: string) => `\\max\\left(${a}, 0\\right)`,
  js: (a: string) => `Math.max(${a}, 0)`,
  atom: { text: true, latex: true },
});
/** The one term of a Lin that is a single term with no constant. */
const unit = (l: Lin): Term | undefined => (l.t.length === 1 && l.c === 0 ? l.t[0] : undefined);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Canonical term order: monomials first (lex, higher powers of earlier inputs first), then by key. */
function order(a: Term, b: Term): number {
  if (a.mono && b.mono) {
    const ea = new Map(a.mono);
    const eb = new Map(b.mono);
    const vars = [...new Set([...ea.keys(), ...eb.keys()])].sort((x, y) => x - y);
    for (const v of vars) {
      const d = (eb.get(v) ?? 0) - (ea.get(v) ?? 0);
      if (d !== 0) return d;
    }
    return cmp(a.key, b.key);
  }
  if (a.mono) return -1;
  if (b.mono) return 1;
  return cmp(a.key, b.key);
}

const JS_RESERVED = new Set(("break case catch class const continue debugger default delete do else enum export " +
  "extends false finally for function if import in instanceof new null return super switch this throw true try " +
  "typeof var void " +
  "while with yield let static implements interface package private protected public await arguments eval undefined " +
  "NaN Infinity Math").split(" "));

function names(op: string, value: unknown, n: number, what: string, fallback: (i: number) => string,
  js: boolean): string[] {
  if (value === undefined) return Array.from({ length: n }, (_, i) => fallback(i));
  if (!Array.isArray(value) || value.length !== n || !value.every((v) => typeof v === "string" && v.length > 0)) {
    throw new KanError(
      "INVALID_ARGUMENT",
      `${op}: option "${what}" must be ${n} non-empty strings (one per ` +
        `${what === "inputNames" ? "input" : "output"}), got ${describe(value)}`,
    );
  }
  if (new Set(value).size !== n) {
    throw new KanError("INVALID_ARGUMENT", `${op}: option "${what}" has a name twice: ${JSON.stringify(value)}`);
  }
  if (js) {
    for (const v of value as string[]) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v) || JS_RESERVED.has(v)) {
        throw new KanError(
          "INVALID_ARGUMENT",
          `${op}: with format "js", option "${what}" needs JavaScript identifiers (not starting with $, not ` +
            `reserved words), got ${JSON.stringify(v)}`,
        );
      }
    }
  }
  return value as string[];
}

const GREEK = new Set(["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
  "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega", "Gamma", "Delta",
  "Theta", "Lambda",
  "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"]);

/** A name as LaTeX: `x1` → `x_{1}`, `alpha` → `\alpha`, `rate_in` → `\mathrm{rate}_{\mathrm{in}}`. @internal */
export function latexName(name: string): string {
  const named: Record<string, string> = {
    "\\": "\\textbackslash{}", "~": "\\textasciitilde{}", "^": "\\textasciicircum{}",
  };
  const esc = (s: string) => s.replace(/[\\{}$&#^_%~]/g, (c) => named[c] ?? `\\${c}`);
  const base = (s: string) =>
    GREEK.has(s) ? `\\${s}` : /^[A-Za-z]$/.test(s) || /^[0-9]+$/.test(s) ? s : `\\mathrm{${esc(s)}}`;
  let m = /^([A-Za-z]+)([0-9]+)$/.exec(name);
  if (m) return `${base(m[1]!)}_{${m[2]}}`;
  m = /^([^_]+)_(.+)$/.exec(name);
  if (m) return `${base(m[1]!)}_{${base(m[2]!)}}`;
  return base(name);
}

/**
 * The model's formula, one string per output. Edges compute `c*f(a*x + b) + d`; edges still
 * numeric print as `φ_{l,i,j}(u)` (text) or `\varphi_{l,i,j}\left(u\right)` (LaTeX), and make
 * format "js" throw KanError("INVALID_ARGUMENT"): run autoSymbolic or fixSymbolic first.
 * Masked edges are left out. Multiplication nodes read as products.
 */
export function symbolicFormula(model: FormulaModel, opts: FormulaOptions = {}): string[] {
  const op = "symbolicFormula";
  const o = checkOptions(op, opts, ["digits", "format", "inputNames", "outputNames"]) as FormulaOptions;
  const format = enumOption(op, "format", o.format ?? "text", ["text", "latex", "js"] as const);
  const digits = o.digits === undefined ? (format === "js" ? undefined : 4) : intOption(op, "digits", o.digits, 0, 17);
  const js = format === "js";
  const inNames = names(op, o.inputNames, model.inDim, "inputNames", (i) => `x${i + 1}`, js);
  const outNames = o.outputNames === undefined
    ? undefined
    : names(op, o.outputNames, model.outDim, "outputNames", (i) => `y${i + 1}`, js);
  const cfg = model.config;
  const ctx = new Ctx(format, digits, format === "latex" ? inNames.map(latexName) : inNames);

  let nodes: Lin[] = inNames.map((_, i) => ({ t: [ctx.term(1, { k: "var", i })], c: 0 }));
  for (let l = 0; l < model.depth; l++) {
    const [ni, no] = model.layerDims(l);
    const sym = model.getLayerArray(l, "symbolic");
    const aff = model.getLayerArray(l, "affine");
    const mask = model.getLayerArray(l, "mask");
    const sb = model.getLayerArray(l, "scaleBase");
    const sp = model.getLayerArray(l, "scaleSp");
    const knots = model.getLayerArray(l, "knots");
    const [, , g, k] = model.layerDims(l);
    // node i spans its interior knots, [t_k, t_{G+k}], over the data the grid was fitted to
    const stride = g + 2 * k + 1;
    const range = (i: number): [number, number] => [knots[i * stride + k]!, knots[i * stride + g + k]!];
    // a grid still as made, over the default range or in a hidden layer, says nothing of the data
    const [lo, hi] = cfg.gridRange ?? MODEL_DEFAULTS.gridRange;
    const stated = l === 0 && (lo !== MODEL_DEFAULTS.gridRange[0] || hi !== MODEL_DEFAULTS.gridRange[1]);
    const known = (i: number): boolean => stated || !asMade(knots.subarray(i * stride, (i + 1) * stride), g, k, lo, hi);
    const hasBase = cfg.baseFun !== "zero";
    const parts: Lin[][] = Array.from({ length: no }, () => []);
    for (let i = 0; i < ni; i++) {
      const x = nodes[i]!;
      // a constant input makes every edge from it a constant: the model's own value
      const fixed = x.t.length === 0 ? model.edgeValues(l, i, [x.c]).data : undefined;
      for (let j = 0; j < no; j++) {
        const e = i * no + j;
        const numeric = mask[e] !== 0 && (sp[e] !== 0 || (hasBase && sb[e] !== 0));
        const id = sym[e]!;
        if (!numeric && id === 0) continue;
        if (fixed) {
          parts[j]!.push(constant(fixed[j]!));
          continue;
        }
        if (numeric) {
          if (js) {
            throw new KanError("INVALID_ARGUMENT", `${op}: edge (l=${l}, i=${i}, j=${j}) is still a numeric spline, ` +
              `which format "js" cannot write; make it symbolic first with autoSymbolic() or ` +
              `fixSymbolic(${l}, ${i}, ${j}, name), or use format "text"`);
          }
          parts[j]!.push({ t: [ctx.term(1, { k: "phi", l, i, j, arg: x })], c: 0 });
        }
        if (id !== 0) {
          const f = symbolicById(id);
          if (!f) {
            throw new KanError("UNKNOWN_SYMBOLIC", `${op}: edge (l=${l}, i=${i}, j=${j}) uses symbolic function ` +
              `id ${id}, which is not registered; call addSymbolic with the same functions, in the same order, ` +
              `before using this model`);
          }
          const [a, b, c, d] = [aff[4 * e]!, aff[4 * e + 1]!, aff[4 * e + 2]!, aff[4 * e + 3]!];
          parts[j]!.push(ctx.edge(x, f, a, b, c, d, range(i), known(i)));
        }
      }
    }
    const bias = model.getLayerArray(l, "bias");
    parts.forEach((p, j) => { if (bias[j] !== 0) p.push(constant(bias[j]!)); });
    const sub = parts.map((p) => ctx.sum(p));
    // a sum node is its one subnode; a multiplication node the product of its, left to right
    nodes = nodeGroups(cfg, l + 1).map((g) => g.slice(1).reduce((p, j) => ctx.product(p, sub[j]!), sub[g[0]!]!));
  }

  return nodes.map((node, j) => {
    ctx.helpers.clear();
    ctx.printed.clear();
    const body = ctx.linStr(node).s;
    if (!js) {
      if (!outNames) return body;
      return `${format === "latex" ? latexName(outNames[j]!) : outNames[j]} = ${body}`;
    }
    const params = inNames.join(", ");
    const helpers = jsHelpers(ctx.helpers, cfg.dtype === "float32" ? "float32" : "float64");
    if (outNames) {
      return `function ${outNames[j]}(${params}) {\n${helpers.map((h) => `  ${h}\n`).join("")}  return ${body};\n}`;
    }
    if (helpers.length === 0) return `(${params}) => ${body}`;
    return `(${params}) => {\n${helpers.map((h) => `  ${h}\n`).join("")}  return ${body};\n}`;
  });
}
