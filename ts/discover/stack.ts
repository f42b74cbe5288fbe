/**
 * Several one-output symbolic models over the same inputs as one KAN with an output each: the
 * models side by side in every layer (sum nodes of all first, then multiplication nodes of
 * all), the shallower ones carried to the common depth by identity edges before their
 * output, no edge between two models. Each output then computes exactly what its model did.
 */
import { KAN } from "../kan.js";
import type { KANJson } from "../persist.js";
import { requireSymbolicId } from "../symbolic-lib.js";

type Pair = [number, number];
type Layer = Record<string, number[]>;

interface Part {
  width: Pair[];
  layers: Layer[];
}

const IDENTITY = [1, 0, 1, 0];

/** `model` as widths and layer arrays, padded with identity layers to `depth`. */
function part(model: KAN, depth: number, identityId: number): Part {
  const j = model.toJSON() as KANJson;
  const width = j.config.width.map(([s, m]) => [s, m] as Pair);
  const layers = j.layers as Layer[];
  while (width.length - 1 < depth) {
    width.push([1, 0]);
    layers.push({ symbolic: [identityId], affine: [...IDENTITY], mask: [0] });
  }
  return { width, layers };
}

/** The models, each with one output, as one model with an output per model. */
export function stack(models: KAN[], seed: number): KAN {
  const depth = Math.max(...models.map((m) => m.width.length - 1));
  const identityId = requireSymbolicId("discover", "x");
  const parts = models.map((m) => part(m, depth, identityId));
  const width: Pair[] = Array.from({ length: depth + 1 }, (_, l) => [
    parts.reduce((a, p) => a + p.width[l]![0], 0), parts.reduce((a, p) => a + p.width[l]![1], 0),
  ]);
  width[0] = [parts[0]!.width[0]![0], 0];
  const blank = new KAN({
    width: width.map(([s, m]) => (m === 0 ? s : [s, m])), grid: 1, k: 1, baseFun: "zero", dtype: "float64", seed,
  });
  const json = blank.toJSON() as KANJson;
  blank.dispose();
  const out = json.layers as Layer[];
  for (const layer of out) {
    layer["mask"]!.fill(0);
    layer["symbolic"]!.fill(0);
    layer["affine"]!.fill(0);
  }
  // offsets of each part's sum and multiplication nodes in every node layer
  const offsets = parts.map((_, k) => width.map((_, l) => [
    parts.slice(0, k).reduce((a, p) => a + p.width[l]![0], 0),
    parts.slice(0, k).reduce((a, p) => a + p.width[l]![1], 0),
  ]));
  const node = (k: number, l: number, i: number): number => {
    if (l === 0) return i;
    const [s] = parts[k]!.width[l]!;
    return i < s ? offsets[k]![l]![0]! + i : width[l]![0] + offsets[k]![l]![1]! + (i - s);
  };
  const col = (k: number, l: number, j: number): number => {
    const [s] = parts[k]!.width[l]!;
    return j < s ? offsets[k]![l]![0]! + j : width[l]![0] + 2 * offsets[k]![l]![1]! + (j - s);
  };
  parts.forEach((p, k) => {
    for (let l = 0; l < depth; l++) {
      const nIn = l === 0 ? p.width[0]![0] : p.width[l]![0] + p.width[l]![1];
      const nOut = p.width[l + 1]![0] + 2 * p.width[l + 1]![1];
      const allOut = width[l + 1]![0] + 2 * width[l + 1]![1];
      const src = p.layers[l]!;
      for (let i = 0; i < nIn; i++) {
        for (let j = 0; j < nOut; j++) {
          const id = src["symbolic"]![i * nOut + j]!;
          if (id === 0) continue;
          const e = node(k, l, i) * allOut + col(k, l + 1, j);
          out[l]!["symbolic"]![e] = id;
          for (let q = 0; q < 4; q++) out[l]!["affine"]![e * 4 + q] = src["affine"]![(i * nOut + j) * 4 + q]!;
        }
      }
    }
  });
  return KAN.fromJSON(json);
}
