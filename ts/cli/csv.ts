/**
 * CSV files of numbers with a header line: reading (csv-parse does the CSV grammar; this file
 * checks that every cell is a finite decimal number) and writing. Errors name the file, the line
 * (the header is line 1) and the column.
 */
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { DataError } from "./errors.js";

export interface Table {
  file: string;
  names: string[];
  /** One array per data row, in file order. */
  rows: number[][];
  /** The file line each row ends on (1-based, the header is line 1). */
  lines: number[];
}

interface CsvFailure {
  code?: string;
  lines?: number;
  message: string;
}

// Plain decimal notation only: Number() would also take "", "0x1f" and "Infinity".
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Reads `file`: a header of unique, non-empty column names, then rows of numbers. */
export function readCsv(file: string): Table {
  const text = readFileSync(file, "utf8");
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { info: true, skip_empty_lines: true, trim: true, bom: true }) as unknown as typeof records;
  } catch (e) {
    const f = e as CsvFailure;
    const at = f.lines !== undefined ? `, line ${f.lines}` : "";
    throw new DataError(`${file}${at}: not a valid CSV: ${f.message.replace(/ at line \d+$/, "")}`);
  }
  const header = records[0];
  if (header === undefined) throw new DataError(`${file}: the file is empty (expected a header line of column names)`);
  const names = header.record;
  names.forEach((n, c) => {
    if (n === "") throw new DataError(`${file}, line ${header.info.lines}, column ${c + 1}: empty column name`);
    const first = names.indexOf(n);
    if (first !== c) {
      throw new DataError(`${file}, line ${header.info.lines}: column name ${JSON.stringify(n)} appears twice ` +
        `(columns ${first + 1} and ${c + 1})`);
    }
  });
  if (records.length < 2) throw new DataError(`${file}: no data rows after the header`);
  const rows: number[][] = [];
  const lines: number[] = [];
  for (const { record, info } of records.slice(1)) {
    const at = (c: number) => `${file}, line ${info.lines}, column ${c + 1} (${JSON.stringify(names[c])})`;
    const row = record.map((cell, c) => {
      if (!NUMBER.test(cell)) {
        const shown = cell.length > 30 ? cell.slice(0, 30) + "…" : cell;
        throw new DataError(`${at(c)}: ${cell === "" ? "an empty cell" : JSON.stringify(shown)} is not a number`);
      }
      const v = Number(cell);
      if (!Number.isFinite(v)) throw new DataError(`${at(c)}: ${cell} overflows a float64`);
      return v;
    });
    rows.push(row);
    lines.push(info.lines);
  }
  return { file, names, rows, lines };
}

/** The column indices of `wanted` in `table`, or a DataError naming the missing one. */
export function columnIndices(table: Table, wanted: string[], flag: string): number[] {
  return wanted.map((n) => {
    const c = table.names.indexOf(n);
    if (c < 0) {
      const all = table.names.map((s) => JSON.stringify(s)).join(", ");
      throw new DataError(`${table.file}: no column ${JSON.stringify(n)} (${flag}); its columns are ${all}`);
    }
    return c;
  });
}

function quote(cell: string): string {
  return /[",\r\n]|^\s|\s$/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** A CSV text with a header; numbers print in the shortest form that reads back to the same float64. */
export function formatCsv(names: string[], rows: ArrayLike<number>[]): string {
  const out = [names.map(quote).join(",")];
  for (const r of rows) out.push(Array.from(r, (v) => String(v)).join(","));
  return out.join("\n") + "\n";
}
