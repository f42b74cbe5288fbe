/**
 * From a table to a Dataset: the chosen input and target columns, and a train/test split by a
 * seeded shuffle (the same seed gives the same split in every runtime).
 */
import { seededRandom, type Dataset, type Matrix } from "../index.js";
import { DataError } from "./errors.js";
import type { Table } from "./csv.js";

export interface Split {
  data: Dataset;
  trainRows: number;
  testRows: number;
  /** Number of classes when the target holds class indices (crossentropy), else undefined. */
  classes?: number;
}

function matrix(rows: number[][], cols: number[], at: number[]): Matrix {
  const data = new Float64Array(at.length * cols.length);
  at.forEach((r, s) => cols.forEach((c, j) => (data[s * cols.length + j] = rows[r]![c]!)));
  return { rows: at.length, cols: cols.length, data };
}

/**
 * Splits the rows of `table`: round(n * testFraction) rows, drawn by a seeded Fisher-Yates
 * shuffle, are the test set. With `classes`, the one target column must hold class indices.
 */
export function splitTable(
  table: Table, inputs: number[], targets: number[], testFraction: number, seed: number, classes: boolean,
): Split {
  const n = table.rows.length;
  const order = Array.from({ length: n }, (_, i) => i);
  const rand = seededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const testRows = Math.round(n * testFraction);
  const trainRows = n - testRows;
  if (trainRows < 2) {
    const why = `${n} data rows leave ${trainRows} for training`;
    throw new DataError(`${table.file}: ${why} (need 2; lower --test-fraction)`);
  }
  // test rows in file order, so a later look at them matches the CSV
  const train = order.slice(0, trainRows).sort((a, b) => a - b);
  const test = order.slice(trainRows).sort((a, b) => a - b);
  const data: Dataset = {
    trainInput: matrix(table.rows, inputs, train),
    trainLabel: matrix(table.rows, targets, train),
  };
  if (testRows > 0) {
    data.testInput = matrix(table.rows, inputs, test);
    data.testLabel = matrix(table.rows, targets, test);
  }
  const out: Split = { data, trainRows, testRows };
  if (classes) {
    const c = targets[0]!;
    let max = 0;
    table.rows.forEach((row, r) => {
      const v = row[c]!;
      if (!Number.isInteger(v) || v < 0) {
        const at = `${table.file}, line ${table.lines[r]}, column ${c + 1} (${JSON.stringify(table.names[c])})`;
        throw new DataError(`${at}: ` +
          `${v} is not a class index (an integer >= 0), which --loss crossentropy needs`);
      }
      max = Math.max(max, v);
    });
    if (max < 1) {
      throw new DataError(`${table.file}: column ${JSON.stringify(table.names[c])} holds one class only ` +
        "(need 2 or more for --loss crossentropy)");
    }
    out.classes = max + 1;
  }
  return out;
}
