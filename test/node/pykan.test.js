// Models trained in pykan (test/fixtures/pykan, made by make-fixture.py there from pykan's own
// code in float64) load with KAN.load(bytes, { config }) and predict what pykan predicted.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { init, KAN, KanError, createDataset } from "kanwasm";

const dir = new URL("../fixtures/pykan/", import.meta.url).pathname;
const fixture = (name) => ({
  bytes: new Uint8Array(readFileSync(join(dir, `${name}.safetensors`))),
  ...JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8")),
});
const worst = (m, rows) => Math.max(...rows.flatMap((r, s) => r.map((v, j) => Math.abs(m.data[s * m.cols + j] - v))));

/** The bytes with tensor `name`'s value at `index` replaced (float64 data). */
function patch(bytes, name, index, value) {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(out.subarray(8, 8 + n)));
  view.setFloat64(8 + n + header[name].data_offsets[0] + 8 * index, value, true);
  return out;
}

beforeAll(() => init());

describe("pykan state_dict", () => {
  for (const name of ["silu-2-5-1", "mult-identity-symbolic"]) {
    it(`${name}: loads with pykan's yaml config and predicts pykan's values within 1e-12`, () => {
      const f = fixture(name);
      const model = KAN.load(f.bytes, { config: f.config });
      expect(model.dtype).toBe("float64");
      expect(model.grid).toBe(f.config.grid);
      expect(model.k).toBe(f.config.k);
      const p = model.predict(f.input);
      expect(worst(p, f.output)).toBeLessThan(1e-12);
    });
  }

  it("kanwasm's own option names do as well, and the grid and k come from the tensors", () => {
    const f = fixture("silu-2-5-1");
    const model = KAN.load(f.bytes, { config: { width: [2, 5, 1] } });
    expect(model.width).toEqual([2, 5, 1]);
    expect(worst(model.predict(f.input), f.output)).toBeLessThan(1e-12);
    // the knots moved with pykan's grid updates: not uniform any more
    const knots = model.getLayerArray(0, "knots").slice(0, 12);
    const steps = Array.from(knots.slice(1), (v, i) => v - knots[i]);
    expect(Math.max(...steps) - Math.min(...steps)).toBeGreaterThan(1e-3);
  });

  it("the symbolic edges take their functions from the yaml's symbolic.funs_name", () => {
    const f = fixture("mult-identity-symbolic");
    const model = KAN.load(f.bytes, { config: f.config });
    expect(model.getLayerArray(0, "symbolic")[1 * 4 + 0]).toBeGreaterThan(0);
    expect(model.symbolicFormula()[0]).toMatch(/sin/);
    const { "symbolic.funs_name.0": _, ...without } = f.config;
    expect(() => KAN.load(f.bytes, { config: without })).toThrow(/edge \(l=0, i=1, j=0\) is symbolic/);
  });

  it("a model that kanwasm saved reads back through the same path, to the bit", async () => {
    const data = createDataset(([x, y]) => x * y + Math.sin(x), { trainNum: 100, testNum: 10, seed: 3 });
    const model = new KAN({ width: [2, 3, 1], grid: 4, k: 3, seed: 5 });
    await model.fit(data, { steps: 5 });
    const again = KAN.load(model.save(), { config: { width: [2, 3, 1] } });
    expect(again.predict(data.testInput).data).toEqual(model.predict(data.testInput).data);
  });

  it("pykan's subnode_bias, and node_bias of sum nodes, become the bias of each subnode", () => {
    // pykan adds subnode_bias before the multiplication nodes and node_bias after them
    const f = fixture("mult-identity-symbolic");
    const plain = KAN.load(f.bytes, { config: f.config });
    const bytes = patch(patch(patch(f.bytes, "subnode_bias_0", 3, 0.25), "node_bias_0", 1, -0.5),
      "subnode_bias_0", 1, 0.125);
    const biased = KAN.load(bytes, { config: f.config });
    expect(Array.from(biased.getLayerArray(0, "bias"))).toEqual([0, -0.375, 0, 0.25]);
    plain.setLayerArray(0, "bias", [0, -0.375, 0, 0.25]);
    expect(biased.predict(f.input).data).toEqual(plain.predict(f.input).data);
    expect(worst(biased.predict(f.input), f.output)).toBeGreaterThan(1e-3);
    // kanwasm writes it back as subnode_bias, which pykan reads the same way
    expect(Array.from(KAN.load(biased.save()).getLayerArray(0, "bias"))).toEqual([0, -0.375, 0, 0.25]);
  });

  it("refuses what kanwasm cannot compute, or a config that does not fit, naming it", () => {
    const f = fixture("silu-2-5-1");
    const err = (fn) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(KanError);
        return `${e.code}: ${e.message}`;
      }
      throw new Error("no error");
    };
    const m = fixture("mult-identity-symbolic");
    expect(err(() => KAN.load(patch(m.bytes, "node_bias_0", 2, 0.5), { config: m.config })))
      .toMatch(/INVALID_ARGUMENT: load: node_bias_0\[2\] is 0.5, not 0/);
    expect(err(() => KAN.load(patch(f.bytes, "subnode_scale_0", 1, 2), { config: f.config })))
      .toMatch(/INVALID_ARGUMENT: load: subnode_scale_0\[1\] is 2, not 1/);
    expect(err(() => KAN.load(f.bytes, { config: { ...f.config, k: 2 } }))).toMatch(/config\.k is number 2, layer 0's tensors have 3/);
    expect(err(() => KAN.load(f.bytes, { config: { width: [2, 4, 1] } }))).toMatch(/CORRUPT_DATA: load: tensor act_fun\.0\.\w+ has shape/);
    expect(err(() => KAN.load(f.bytes, { config: { width: [2, 5, 1], mult_arity: 1 } }))).toMatch(/multArity.*1/);
    expect(err(() => KAN.load(f.bytes, { config: { width: [2, 5, 1], gird: 5 } }))).toMatch(/UNKNOWN_OPTION: .*"gird"/);
    expect(err(() => KAN.load(f.bytes, { confg: {} }))).toMatch(/UNKNOWN_OPTION/);
    expect(err(() => KAN.load(f.bytes))).toMatch(/CORRUPT_DATA: .*no __metadata__.*KAN.load\(bytes, { config }\)/);
  });
});
