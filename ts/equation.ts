/**
 * The equation language of physics-informed fitting: an equation written as text becomes a
 * small program over one collocation point's quantities (its inputs, and each output's value,
 * gradient and Hessian), which the core evaluates and differentiates at every point.
 *
 * ```js
 * const names = { inputNames: ["x", "y"], outputNames: ["u"] };
 * const eq = parseEquation("u_xx + u_yy = -2*pi^2*sin(pi*x)*sin(pi*y)", names);
 * eq.order;                         // 2: the highest derivative it uses
 * const code = emitProgram(eq, 2);  // Float64Array, 4 numbers per instruction (crate/src/pde/program.rs)
 * ```
 *
 * The language: inputs and outputs by name; derivatives as `u_x`, `u_xx`, `u_xy` (output,
 * underscore, one or two input names); numbers, `pi`, `e`; `+ - * / ^` (`^` binds tighter than
 * a leading minus and groups to the right), parentheses, and the functions of the symbolic
 * library (`sin`, `exp`, `log`, `sqrt`, `tanh`, ... and those added with addSymbolic), with
 * `asin`, `acos`, `atan`, `atanh`, `ln` and `sign` as aliases. `lhs = rhs` is the residual
 * `lhs - rhs`; an expression without `=` is itself the residual.
 */
import { KanError } from "./errors.js";
import { symbolicId, symbolicNames } from "./symbolic-lib.js";

/** Names of the inputs (columns of the points) and outputs of a problem. */
export interface EquationNames {
  /** The inputs' names, in the order of the points' columns. */
  inputNames: string[];
  /** The outputs' names, in the order of the model's outputs. */
  outputNames: string[];
}

/**
 * A node of a residual's expression tree: a number, input `i`, output `j` differentiated by
 * the inputs in `d` (none for the value), a binary operation, a negation or a library function
 * by id.
 */
export type Node =
  | {
    /** A number. */
    k: "num";
    /** Its value. */
    v: number;
  }
  | {
    /** An input. */
    k: "in";
    /** Its column. */
    i: number;
  }
  | {
    /** An output or one of its derivatives. */
    k: "out";
    /** The output's index. */
    j: number;
    /** The inputs it is differentiated by, in order (none: the value). */
    d: number[];
  }
  | {
    /** A binary operation. */
    k: "bin";
    /** The operator. */
    op: "+" | "-" | "*" | "/" | "^";
    /** The left operand. */
    a: Node;
    /** The right operand. */
    b: Node;
  }
  | {
    /** A negation. */
    k: "neg";
    /** The operand. */
    a: Node;
  }
  | {
    /** A function of the symbolic library. */
    k: "fn";
    /** Its id (symbolicId). */
    id: number;
    /** Its argument. */
    a: Node;
  };

/** A parsed equation: its residual as a tree, and what it uses. */
export interface Equation {
  /** The residual lhs - rhs. */
  residual: Node;
  /** The highest derivative used: 0, 1 or 2. */
  order: number;
  /** Whether any output (value or derivative) appears. */
  usesOutputs: boolean;
  /** The names the equation was read with. */
  names: EquationNames;
}

const ALIASES: Record<string, string> = {
  asin: "arcsin", acos: "arccos", atan: "arctan", atanh: "arctanh", ln: "log", sign: "sgn",
};
const NAME = /^[A-Za-z][A-Za-z0-9]*$/;

/** Library functions callable by name: those whose name is an identifier. */
function functionId(name: string): number | undefined {
  const n = ALIASES[name] ?? name;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(n) && n !== "x" ? symbolicId(n) : undefined;
}

/** Checks names (identifiers of letters and digits, unique, none reserved); throws naming `where`. */
export function checkNames(where: string, names: EquationNames): void {
  const seen = new Set<string>();
  for (const [key, list] of [["inputNames", names.inputNames], ["outputNames", names.outputNames]] as const) {
    list.forEach((n, q) => {
      if (typeof n !== "string" || !NAME.test(n)) {
        throw new KanError(
          "INVALID_ARGUMENT",
          `${where}.${key}[${q}] must be a name of letters and digits starting with a letter, got ` +
          `${JSON.stringify(n) ?? String(n)}`,
        );
      }
      if (n === "pi" || n === "e" || functionId(n) !== undefined) {
        throw new KanError("INVALID_ARGUMENT", `${where}.${key}[${q}]: "${n}" is reserved (a constant or a function)`);
      }
      if (seen.has(n)) throw new KanError("INVALID_ARGUMENT", `${where}.${key}[${q}]: "${n}" is used twice`);
      seen.add(n);
    });
  }
}

interface Token {
  t: "num" | "id" | "op" | "end";
  s: string;
  col: number;
}

function tokenize(text: string, fail: (col: number, msg: string) => never): Token[] {
  const out: Token[] = [];
  const re = /\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|([-+*/^()=]))/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(text);
    if (m === null) {
      const col = at + (text.slice(at).length - text.slice(at).trimStart().length);
      fail(col + 1, `unexpected character ${JSON.stringify(text[col])}`);
    }
    const col = m.index + m[0].length - (m[1] ?? m[2] ?? m[3])!.length + 1;
    const t = m[1] !== undefined ? "num" : m[2] !== undefined ? "id" : "op";
    out.push({ t, s: (m[1] ?? m[2] ?? m[3])!, col });
    at = re.lastIndex;
  }
  out.push({ t: "end", s: "", col: text.length + 1 });
  return out;
}

/**
 * Parses `text` into an Equation. Throws KanError INVALID_ARGUMENT naming `where`, the column
 * and the offending symbol on anything malformed.
 */
export function parseEquation(text: unknown, names: EquationNames, where = "equation"): Equation {
  if (typeof text !== "string" || text.trim() === "") {
    throw new KanError(
      "INVALID_ARGUMENT",
      `${where} must be a non-empty string such as "u_xx + u_yy = 0", got ${JSON.stringify(text) ?? String(text)}`,
    );
  }
  const fail = (col: number, msg: string): never => {
    throw new KanError("INVALID_ARGUMENT", `${where}: ${msg} at column ${col} of ${JSON.stringify(text)}`);
  };
  const toks = tokenize(text, fail);
  let p = 0;
  let order = 0;
  let usesOutputs = false;
  const peek = () => toks[p]!;
  const isOp = (s: string) => peek().t === "op" && peek().s === s;
  const expect = (s: string) => {
    if (!isOp(s)) {
      const found = peek().t === "end" ? "the end" : `"${peek().s}"`;
      fail(peek().col, `expected "${s}" but found ${found}`);
    }
    p++;
  };
  const symbol = (tok: Token): Node => {
    const s = tok.s;
    const i = names.inputNames.indexOf(s);
    if (i >= 0) return { k: "in", i };
    const j = names.outputNames.indexOf(s);
    if (j >= 0) {
      usesOutputs = true;
      return { k: "out", j, d: [] };
    }
    if (s === "pi") return { k: "num", v: Math.PI };
    if (s === "e") return { k: "num", v: Math.E };
    const us = s.indexOf("_");
    const jo = us > 0 ? names.outputNames.indexOf(s.slice(0, us)) : -1;
    if (jo >= 0) {
      const tail = s.slice(us + 1);
      const splits: number[][] = [];
      names.inputNames.forEach((a, ia) => {
        if (tail === a) splits.push([ia]);
        names.inputNames.forEach((b, ib) => {
          if (tail === a + b) splits.push([ia, ib]);
        });
      });
      if (splits.length > 1) fail(tok.col, `derivative "${s}" is ambiguous (inputs ${names.inputNames.join(", ")})`);
      if (splits.length === 1) {
        usesOutputs = true;
        order = Math.max(order, splits[0]!.length);
        return { k: "out", j: jo, d: splits[0]! };
      }
      const ins = names.inputNames.join(", ");
      fail(tok.col, `unknown symbol "${s}": "${tail}" is not one or two of the inputs ${ins} (up to order 2)`);
    }
    if (functionId(s) !== undefined) fail(tok.col, `function "${s}" needs an argument in parentheses`);
    const known = `inputs: ${names.inputNames.join(", ")}; outputs: ${names.outputNames.join(", ")}`;
    return fail(tok.col, `unknown symbol "${s}" (${known})`);
  };
  const atom = (): Node => {
    const tok = peek();
    if (tok.t === "num") {
      p++;
      return { k: "num", v: Number(tok.s) };
    }
    if (tok.t === "id") {
      p++;
      if (isOp("(")) {
        const id = functionId(tok.s);
        if (id === undefined) {
          const known = symbolicNames().filter((n) => functionId(n) !== undefined);
          fail(tok.col, `unknown function "${tok.s}" (functions: ${known.join(", ")})`);
        }
        p++;
        const a = sum();
        expect(")");
        return { k: "fn", id: id!, a };
      }
      return symbol(tok);
    }
    if (isOp("(")) {
      p++;
      const a = sum();
      expect(")");
      return a;
    }
    return fail(tok.col, tok.t === "end" ? "the expression ends too early" : `unexpected "${tok.s}"`);
  };
  const power = (): Node => {
    const a = atom();
    if (!isOp("^")) return a;
    p++;
    return { k: "bin", op: "^", a, b: unary() };
  };
  const unary = (): Node => {
    if (isOp("-")) {
      p++;
      const a = unary();
      return a.k === "num" ? { k: "num", v: -a.v } : { k: "neg", a };
    }
    if (isOp("+")) {
      p++;
      return unary();
    }
    return power();
  };
  const product = (): Node => {
    let a = unary();
    while (isOp("*") || isOp("/")) {
      const op = peek().s as "*" | "/";
      p++;
      a = { k: "bin", op, a, b: unary() };
    }
    return a;
  };
  const sum = (): Node => {
    let a = product();
    while (isOp("+") || isOp("-")) {
      const op = peek().s as "+" | "-";
      p++;
      a = { k: "bin", op, a, b: product() };
    }
    return a;
  };
  const lhs = sum();
  let residual = lhs;
  if (isOp("=")) {
    p++;
    residual = { k: "bin", op: "-", a: lhs, b: sum() };
  }
  if (peek().t !== "end") fail(peek().col, isOp("=") ? `a second "="` : `unexpected "${peek().s}"`);
  return { residual, order, usesOutputs, names };
}

/** Op codes of crate/src/pde/program.rs. */
const OPS = { "+": 2, "-": 3, "*": 4, "/": 5, "^": 6 } as const;

/**
 * The program of `eq` for points whose output jets carry derivatives up to `jetOrder`
 * (at least eq.order): 4 numbers per instruction, shared subexpressions computed once.
 */
export function emitProgram(eq: Equation, jetOrder: number): Float64Array {
  const d = eq.names.inputNames.length;
  const jet = 1 + (jetOrder >= 1 ? d : 0) + (jetOrder >= 2 ? d * d : 0);
  const code: number[] = [];
  const seen = new Map<string, number>();
  const put = (op: number, a: number, b = 0): number => {
    const key = `${op},${a},${b}`;
    let at = seen.get(key);
    if (at === undefined) {
      at = code.length / 4;
      code.push(op, a, b, 0);
      seen.set(key, at);
    }
    return at;
  };
  const emit = (n: Node): number => {
    switch (n.k) {
      case "num": return put(0, n.v);
      case "in": return put(1, n.i);
      case "out": {
        const base = d + n.j * jet;
        const [a, b] = n.d;
        const q = a === undefined ? base : b === undefined ? base + 1 + a : base + 1 + d + a * d + b;
        return put(1, q);
      }
      case "neg": return put(7, emit(n.a));
      case "fn": return put(8, emit(n.a), n.id);
      case "bin": {
        const a = emit(n.a);
        return put(OPS[n.op], a, emit(n.b));
      }
    }
  };
  const last = emit(eq.residual);
  // the core reads the residual from the last instruction
  if (last !== code.length / 4 - 1) code.push(2, last, put(0, 0), 0);
  return Float64Array.from(code);
}
