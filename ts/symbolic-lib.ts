/**
 * The symbolic function library: the 29 built-in functions an edge can take (ids 1..29, in
 * the core's order, crate/src/symbolic.rs) and the registry of user functions (ids from 100).
 * Each entry carries its complexity, a guarded evaluator that mirrors the core's float64
 * guards, and renderers for formulas as text, LaTeX and JavaScript.
 *
 * ```js
 * import { SYMBOLIC_LIB, symbolicId, symbolicById, registerUserSymbolic } from "./symbolic-lib.js";
 * symbolicId("sin");                       // 19
 * symbolicById(19).text("x1", true);       // "sin(x1)"
 * symbolicById(6).fn(0);                   // 1e6: 1/x is capped near its pole, as in the core
 * const id = registerUserSymbolic("softplus", { fn: (x) => Math.log1p(Math.exp(x)), complexity: 3,
 *   js: "Math.log1p(Math.exp(#1))" });   // 100; "#1" stands for the argument
 * ```
 */
import { KanError, describe } from "./errors.js";
import { setHostFunction } from "./raw/host.js";

/** The first id of a user function; built-ins are 1..SYMBOLIC_LIB.length. @internal */
export const USER_ID_BASE = 100;

/** A rendered argument: `atom` tells whether it can take a postfix such as `^2` without parentheses. */
export type Render = (arg: string, atom: boolean) => string;

/** A function of the symbolic library, built in or added with `addSymbolic`. */
export interface SymbolicFunction {
  /** 1-based id on an edge (0 is a numeric edge). */
  id: number;
  /** The name that suggestSymbolic, fixSymbolic and the `lib` options use, e.g. "x^2" or "sin". */
  name: string;
  /** pykan's complexity (0..5): simpler functions rank higher at equal fit. */
  complexity: number;
  /** f(x), guarded exactly as the core guards it (float64): always finite. */
  fn: (x: number) => number;
  /** f(x) = x^power (with guards): lets a formula pull a scale out, c*(a*u)^p = (c*a^p)*u^p. */
  power?: number;
  /** f(-x) = -f(x) ("odd") or f(x) ("even"), guards included: lets a formula flip a leading minus out. */
  parity?: "odd" | "even";
  /** Plain text of f applied to an argument. */
  text: Render;
  /** LaTeX of f applied to an argument. */
  latex: Render;
  /** For reciprocals f = 1/g: g, so that c*f(u) reads c/g(u) (text) or \frac{c}{g(u)} (LaTeX). */
  den?: {
    /** Plain text of g. */
    text: Render;
    /** LaTeX of g. */
    latex: Render;
  };
  /** JavaScript expression of f applied to `arg`, using the helpers of `jsHelpers`. */
  js: (arg: string) => string;
  /** Names of the helpers `js` uses. */
  helpers: readonly string[];
  /** Whether text/latex output is a self-delimited atom (e.g. `sin(u)`, but not `u^2`). */
  atom: {
    /** For the text form. */
    text: boolean;
    /** For the LaTeX form. */
    latex: boolean;
  };
}

/** A user function as registered with `addSymbolic`. */
export interface UserSymbolicSpec {
  /**
   * f(x); must return finite numbers for every finite x (the core calls it while fitting).
   * Where it throws or returns anything else, the call that ran into it (fit, predict, a
   * symbolic search) stops with a KanError naming the function.
   */
  fn: (x: number) => number;
  /** Complexity, as the built-ins' 0..5, used by suggestSymbolic's ranking. */
  complexity: number;
  /**
   * LaTeX of f(u): a template where `#1` stands for the argument, or a function of it.
   * Default `\operatorname{name}\left(#1\right)`.
   */
  latex?: string | ((arg: string) => string);
  /** JavaScript expression of f(u), a template with `#1` or a function of the argument; needed for format "js". */
  js?: string | ((arg: string) => string);
}

// ---- guards: the core's constants (crate/src/symbolic.rs) ----
const Y_MAX = 1e6;
const TINY_SQRT = 1 / (Y_MAX * Y_MAX);
const LOG_X0 = Math.max(Math.exp(-Math.log(Y_MAX)), 1e-30);
const ATANH_LIM = 1 - 1e-12;

/** x^n by repeated squaring, as compiler-rt's __powidf2 (Rust's powi) computes it. */
function powi(x: number, n: number): number {
  let b = n < 0 ? -n : n;
  let a = x;
  let r = 1;
  for (;;) {
    if (b & 1) r *= a;
    b >>= 1;
    if (b === 0) break;
    a *= a;
  }
  return n < 0 ? 1 / r : r;
}

const clampY = (x: number) => Math.min(Math.max(x, -Y_MAX), Y_MAX);
const power = (x: number, p: number) => powi(clampY(x), p);
function pole(x: number, p: number): number {
  const x0 = 1 / Math.pow(Y_MAX, 1 / p);
  if (Math.abs(x) < x0) return (p % 2 !== 0 && x < 0 ? -1 : 1) * powi(x0, -p);
  return powi(x, -p);
}
const sqrt0 = (x: number) => Math.sqrt(Math.max(x, 0));
const pow15 = (x: number) => {
  const v = Math.min(Math.max(x, 0), Y_MAX);
  return v * Math.sqrt(v);
};
const rsqrt = (x: number) => 1 / Math.sqrt(Math.max(x, TINY_SQRT));
const sgn = (x: number) => (x > 0 ? 1 : x < 0 ? -1 : 0);
/** Rust's f64::atanh formula, which the core uses (less accurate than Math.atanh near -1, but the model's). */
const atanh = (x: number) => {
  const c = Math.min(Math.max(x, -ATANH_LIM), ATANH_LIM);
  return 0.5 * Math.log1p((2 * c) / (1 - c));
};
const clamp1 = (x: number) => Math.min(Math.max(x, -1), 1);

/**
 * The JavaScript source of the guarded helpers, for formulas of a model of `dtype` (float32
 * models clamp exp at 80 and arctanh at 1 - 1e-6, as the core does in f32). Each helper is a
 * `const` declaration; dependencies come first.
 * @internal
 */
export function jsHelpers(names: Iterable<string>, dtype: "float32" | "float64" = "float64"): string[] {
  const f32 = dtype === "float32";
  const edge = f32 ? "1e-6" : "1e-12";
  const src: Record<string, [string, string[]]> = {
    $powi: ["const $powi = (x, n) => { let b = n < 0 ? -n : n, a = x, r = 1; " +
      "for (;;) { if (b & 1) r *= a; b >>= 1; if (b === 0) break; a *= a; } return n < 0 ? 1 / r : r; };", []],
    $pow: ["const $pow = (x, p) => $powi(Math.min(Math.max(x, -1e6), 1e6), p);", ["$powi"]],
    $pole: ["const $pole = (x, p) => { const x0 = 1 / Math.pow(1e6, 1 / p); " +
      "return Math.abs(x) < x0 ? (p % 2 !== 0 && x < 0 ? -1 : 1) * $powi(x0, -p) : $powi(x, -p); };", ["$powi"]],
    $sqrt: ["const $sqrt = (x) => Math.sqrt(Math.max(x, 0));", []],
    $pow15: ["const $pow15 = (x) => { const v = Math.min(Math.max(x, 0), 1e6); return v * Math.sqrt(v); };", []],
    $rsqrt: ["const $rsqrt = (x) => 1 / Math.sqrt(Math.max(x, 1 / (1e6 * 1e6)));", []],
    $exp: [`const $exp = (x) => Math.exp(Math.min(x, ${f32 ? 80 : 700}));`, []],
    $log: ["const $log = (x) => Math.log(Math.max(Math.abs(x), Math.max(Math.exp(-Math.log(1e6)), 1e-30)));", []],
    $sgn: ["const $sgn = (x) => (x > 0 ? 1 : x < 0 ? -1 : 0);", []],
    $tan: ["const $tan = (x) => Math.min(Math.max(Math.tan(x), -1e6), 1e6);", []],
    $asin: ["const $asin = (x) => Math.asin(Math.min(Math.max(x, -1), 1));", []],
    $acos: ["const $acos = (x) => Math.acos(Math.min(Math.max(x, -1), 1));", []],
    $atanh: [`const $atanh = (x) => { const c = Math.min(Math.max(x, -(1 - ${edge})), 1 - ${edge}); ` +
      "return 0.5 * Math.log1p((2 * c) / (1 - c)); };", []],
    $gauss: ["const $gauss = (x) => Math.exp(-x * x);", []],
  };
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (n: string) => {
    if (seen.has(n)) return;
    const s = src[n];
    if (!s) throw new KanError("INTERNAL", `jsHelpers: no helper ${n}`);
    for (const d of s[1]) add(d);
    seen.add(n);
    out.push(s[0]);
  };
  for (const n of names) add(n);
  return out;
}

const paren = (a: string, atom: boolean) => (atom ? a : `(${a})`);
const lparen = (a: string, atom: boolean) => (atom ? a : `\\left(${a}\\right)`);
/** `\sin{\left(u \right)}`, as sympy prints LaTeX functions. */
const lcall = (cmd: string) => (a: string) => `${cmd}{\\left(${a} \\right)}`;

interface Def {
  name: string;
  complexity: number;
  fn: (x: number) => number;
  text: Render;
  latex: Render;
  js: (a: string) => string;
  helpers?: string[];
  power?: number;
  parity?: "odd" | "even";
  den?: { text: Render; latex: Render };
  atom?: { text: boolean; latex: boolean };
}

const CALL = { text: true, latex: false };
const POSTFIX = { text: false, latex: false };

function powDef(p: number, complexity: number): Def {
  return {
    name: `x^${p}`, complexity, fn: (x) => power(x, p), power: p, parity: p % 2 ? "odd" : "even",
    text: (a, t) => `${paren(a, t)}^${p}`, latex: (a, t) => `${lparen(a, t)}^{${p}}`,
    js: (a) => `$pow(${a}, ${p})`, helpers: ["$pow"], atom: POSTFIX,
  };
}

function recipDef(p: number, complexity: number): Def {
  const dt: Render = (a, t) => (p === 1 ? paren(a, t) : `${paren(a, t)}^${p}`);
  const dl: Render = (a, t) => (p === 1 ? a : `${lparen(a, t)}^{${p}}`);
  return {
    name: p === 1 ? "1/x" : `1/x^${p}`, complexity, fn: (x) => pole(x, p), power: -p, parity: p % 2 ? "odd" : "even",
    text: (a, t) => `1/${dt(a, t)}`, latex: (a, t) => `\\frac{1}{${dl(a, t)}}`,
    den: { text: dt, latex: dl }, js: (a) => `$pole(${a}, ${p})`, helpers: ["$pole"], atom: POSTFIX,
  };
}

function callDef(name: string, complexity: number, fn: (x: number) => number, textName: string, latex: Render,
  js: (a: string) => string, helpers: string[] = [], parity?: "odd" | "even"): Def {
  const text = (a: string) => `${textName}(${a})`;
  return { name, complexity, fn, text, latex, js, helpers, atom: CALL, ...(parity ? { parity } : {}) };
}

const DEFS: Def[] = [
  {
    name: "x", complexity: 1, fn: (x) => x, power: 1, parity: "odd", text: (a) => a, latex: (a) => a, js: (a) => a,
    atom: POSTFIX,
  },
  powDef(2, 2), powDef(3, 3), powDef(4, 3), powDef(5, 3),
  recipDef(1, 2), recipDef(2, 2), recipDef(3, 3), recipDef(4, 4), recipDef(5, 5),
  {
    name: "sqrt", complexity: 2, fn: sqrt0, power: 0.5, text: (a) => `sqrt(${a})`, latex: (a) => `\\sqrt{${a}}`,
    js: (a) => `$sqrt(${a})`, helpers: ["$sqrt"], atom: { text: true, latex: true },
  },
  {
    name: "x^0.5", complexity: 2, fn: sqrt0, power: 0.5, text: (a, t) => `${paren(a, t)}^0.5`,
    latex: (a) => `\\sqrt{${a}}`, js: (a) => `$sqrt(${a})`, helpers: ["$sqrt"], atom: { text: false, latex: true },
  },
  {
    name: "x^1.5", complexity: 4, fn: pow15, power: 1.5, text: (a, t) => `${paren(a, t)}^1.5`,
    latex: (a, t) => `${lparen(a, t)}^{1.5}`, js: (a) => `$pow15(${a})`, helpers: ["$pow15"], atom: POSTFIX,
  },
  {
    name: "1/sqrt(x)", complexity: 2, fn: rsqrt, power: -0.5, text: (a) => `1/sqrt(${a})`,
    latex: (a) => `\\frac{1}{\\sqrt{${a}}}`, den: { text: (a) => `sqrt(${a})`, latex: (a) => `\\sqrt{${a}}` },
    js: (a) => `$rsqrt(${a})`, helpers: ["$rsqrt"], atom: POSTFIX,
  },
  {
    name: "1/x^0.5", complexity: 2, fn: rsqrt, power: -0.5, text: (a, t) => `1/${paren(a, t)}^0.5`,
    latex: (a) => `\\frac{1}{\\sqrt{${a}}}`,
    den: { text: (a, t) => `${paren(a, t)}^0.5`, latex: (a) => `\\sqrt{${a}}` },
    js: (a) => `$rsqrt(${a})`, helpers: ["$rsqrt"], atom: POSTFIX,
  },
  callDef("exp", 2, (x) => Math.exp(Math.min(x, 700)), "exp", (a) => `e^{${a}}`, (a) => `$exp(${a})`, ["$exp"]),
  // the core takes log|u|: even
  callDef("log", 2, (x) => Math.log(Math.max(Math.abs(x), LOG_X0)), "log", lcall("\\log"), (a) => `$log(${a})`,
    ["$log"], "even"),
  {
    ...callDef("abs", 3, Math.abs, "abs", (a) => `\\left|${a}\\right|`, (a) => `Math.abs(${a})`, [], "even"),
    atom: { text: true, latex: true },
  },
  callDef("sin", 2, Math.sin, "sin", lcall("\\sin"), (a) => `Math.sin(${a})`, [], "odd"),
  callDef("cos", 2, Math.cos, "cos", lcall("\\cos"), (a) => `Math.cos(${a})`, [], "even"),
  callDef("tan", 3, (x) => clampY(Math.tan(x)), "tan", lcall("\\tan"), (a) => `$tan(${a})`, ["$tan"], "odd"),
  callDef("tanh", 3, Math.tanh, "tanh", lcall("\\tanh"), (a) => `Math.tanh(${a})`, [], "odd"),
  callDef("sgn", 3, sgn, "sgn", lcall("\\operatorname{sgn}"), (a) => `$sgn(${a})`, ["$sgn"], "odd"),
  callDef("arcsin", 4, (x) => Math.asin(clamp1(x)), "arcsin", lcall("\\arcsin"), (a) => `$asin(${a})`, ["$asin"],
    "odd"),
  callDef("arccos", 4, (x) => Math.acos(clamp1(x)), "arccos", lcall("\\arccos"), (a) => `$acos(${a})`, ["$acos"]),
  callDef("arctan", 4, Math.atan, "arctan", lcall("\\arctan"), (a) => `Math.atan(${a})`, [], "odd"),
  callDef("arctanh", 4, atanh, "arctanh",
    lcall("\\operatorname{artanh}"), (a) => `$atanh(${a})`, ["$atanh"], "odd"),
  {
    name: "0", complexity: 0, fn: () => 0, text: () => "0", latex: () => "0", js: () => "0",
    atom: { text: true, latex: true }, parity: "even",
  },
  callDef("gaussian", 3, (x) => Math.exp(-x * x), "gaussian", (a, t) => `e^{- ${lparen(a, t)}^{2}}`,
    (a) => `$gauss(${a})`, ["$gauss"], "even"),
];
// gaussian reads exp(-u^2) in text rather than an unfamiliar name
DEFS[28]!.text = (a, t) => `exp(-${paren(a, t)}^2)`;

function complete(d: Def, id: number): SymbolicFunction {
  const f: SymbolicFunction = {
    id, name: d.name, complexity: d.complexity, fn: d.fn, text: d.text, latex: d.latex, js: d.js,
    helpers: Object.freeze(d.helpers ?? []), atom: d.atom ?? CALL,
  };
  if (d.power !== undefined) f.power = d.power;
  if (d.parity !== undefined) f.parity = d.parity;
  if (d.den !== undefined) f.den = d.den;
  return Object.freeze(f);
}

/** The built-in functions; `SYMBOLIC_LIB[id - 1]` has id `id`. */
export const SYMBOLIC_LIB: readonly SymbolicFunction[] = Object.freeze(DEFS.map((d, i) => complete(d, i + 1)));

const user: SymbolicFunction[] = [];

/** The function with this id (built-in or user), or undefined. */
export function symbolicById(id: number): SymbolicFunction | undefined {
  if (id >= 1 && id <= SYMBOLIC_LIB.length) return SYMBOLIC_LIB[id - 1];
  return user[id - USER_ID_BASE];
}

/** The id of a function by name (built-ins first, then user functions), or undefined. */
export function symbolicId(name: string): number | undefined {
  const b = SYMBOLIC_LIB.find((f) => f.name === name);
  if (b) return b.id;
  return user.find((f) => f.name === name)?.id;
}

/** The id of `name`, or KanError("UNKNOWN_SYMBOLIC") listing the library. @internal */
export function requireSymbolicId(op: string, name: unknown): number {
  const id = typeof name === "string" ? symbolicId(name) : undefined;
  if (id === undefined) {
    const names = [...SYMBOLIC_LIB, ...user].map((f) => f.name).join(", ");
    throw new KanError(
      "UNKNOWN_SYMBOLIC",
      `${op}: ${describe(name)} is not a symbolic function; the library has ${names} (add your own with addSymbolic)`,
    );
  }
  return id;
}

/** Every function: the built-ins, then the user functions in the order they were registered. */
export function symbolicNames(): string[] {
  return [...SYMBOLIC_LIB, ...user].map((f) => f.name);
}

type Template = (a: string) => string;

function template(op: string, key: string, t: unknown, fallback: Template | undefined): Template | undefined {
  if (t === undefined) return fallback;
  if (typeof t === "function") {
    return (a: string) => {
      const s = (t as (a: string) => unknown)(a);
      if (typeof s !== "string") {
        throw new KanError("INVALID_ARGUMENT", `${op}: ${key}(arg) must return a string, got ${describe(s)}`);
      }
      return s;
    };
  }
  if (typeof t === "string" && t.includes("#1")) return (a: string) => t.split("#1").join(a);
  throw new KanError(
    "INVALID_ARGUMENT",
    `${op}: "${key}" must be a template string containing #1 (the argument) or a function of the argument, got ` +
      `${describe(t)}`,
  );
}

/**
 * Registers a user function and returns its id (100, 101, ...). The name must not be a
 * built-in's or an earlier user function's. Formulas render it as `name(u)` in text, with
 * `spec.latex` in LaTeX and `spec.js` in JavaScript (format "js" needs it).
 * @internal
 */
export function registerUserSymbolic(name: string, spec: UserSymbolicSpec): number {
  const op = "addSymbolic";
  if (typeof name !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new KanError(
      "INVALID_ARGUMENT",
      `${op}: name must be an identifier (letters, digits, _), got ${describe(name)}`,
    );
  }
  if (symbolicId(name) !== undefined) {
    throw new KanError("INVALID_ARGUMENT", `${op}: "${name}" is already in the symbolic library; choose another name`);
  }
  if (spec === null || typeof spec !== "object") {
    throw new KanError("INVALID_ARGUMENT", `${op}: expected { fn, complexity, latex?, js? }, got ${describe(spec)}`);
  }
  for (const key of Object.keys(spec)) {
    if (!["fn", "complexity", "latex", "js"].includes(key)) {
      throw new KanError(
        "UNKNOWN_OPTION",
        `${op}: unknown option "${key}"; the options are "fn", "complexity", "latex", "js"`,
      );
    }
  }
  if (typeof spec.fn !== "function") {
    throw new KanError("INVALID_ARGUMENT", `${op}: "fn" must be a function of one number, got ${describe(spec.fn)}`);
  }
  if (typeof spec.complexity !== "number" || !Number.isFinite(spec.complexity) || spec.complexity < 0) {
    throw new KanError(
      "INVALID_ARGUMENT",
      `${op}: "complexity" must be a finite number >= 0, got ${describe(spec.complexity)}`,
    );
  }
  const latexName = `\\operatorname{${name.replace(/_/g, "\\_")}}`;
  const latex = template(op, "latex", spec.latex, (a) => `${latexName}\\left(${a}\\right)`)!;
  const js = template(op, "js", spec.js, undefined);
  const fn = spec.fn;
  const id = USER_ID_BASE + user.length;
  user.push(Object.freeze({
    id, name, complexity: spec.complexity,
    fn: (x: number) => {
      const y = Number(fn(x));
      return Number.isFinite(y) ? y : 0;
    },
    text: (a: string) => `${name}(${a})`,
    latex: (a: string) => latex(a),
    js: js ?? (() => {
      throw new KanError(
        "INVALID_ARGUMENT",
        `symbolicFormula: the user function "${name}" has no JavaScript form; pass { js: "...#1..." } to ` +
          `addSymbolic to use format "js"`,
      );
    }),
    helpers: Object.freeze([]),
    atom: { text: true, latex: false },
  }));
  return id;
}

/**
 * Adds a function to the symbolic library for every model: `fn` is evaluated by the core
 * during fitting and training (through the host), `latex` and `js` render it in formulas
 * ("#1" stands for the argument). Returns its id.
 */
export function addSymbolic(name: string, spec: UserSymbolicSpec): number {
  const id = registerUserSymbolic(name, spec);
  // the host gets the function itself, so that it sees what it throws or returns
  setHostFunction(id, spec.fn, name);
  return id;
}
