// The settings structs that cross the boundary: the TypeScript mirror (RawLayouts,
// ts/raw/layout.ts) against the core's description of its #[repr(C)] structs (kw_layout,
// computed by the compiler with size_of and offset_of!), field by field.
import { RawLayouts, rawKernel } from "kanwasm";
import { AssertionError, equal, ok } from "./assert.js";

/** The core's description "Name size;field:type:offset;..." of struct `code`. */
function coreLayout(code) {
  const { raw } = rawKernel();
  const len = raw.kw_layout_len(code);
  const text = new TextDecoder().decode(new Uint8Array(raw.memory.buffer, raw.kw_layout(code), len).slice());
  const [head, ...entries] = text.split(";");
  const [name, size] = head.split(" ");
  const fields = new Map(entries.map((e) => {
    const [field, type, offset] = e.split(":");
    return [field, { type, offset: Number(offset) }];
  }));
  return { text, name, size: Number(size), fields };
}

/** Every way `mirror` differs from the core's struct, one line each. */
function differences(mirror, core) {
  const out = [];
  const at = (f) => (f ? `${f.type} at offset ${f.offset}` : "no such field");
  if (core.name !== mirror.name) out.push(`name: the core has ${core.name}, the TS mirror ${mirror.name}`);
  if (core.size !== mirror.size) out.push(`size: the core has ${core.size} bytes, the TS mirror ${mirror.size}`);
  const names = new Set([...core.fields.keys(), ...Object.keys(mirror.fields)]);
  for (const n of names) {
    const c = core.fields.get(n);
    const m = mirror.fields[n];
    if (c?.type !== m?.type || c?.offset !== m?.offset) {
      out.push(`field "${n}": the core has ${at(c)}, the TS mirror ${at(m)}`);
    }
  }
  return out;
}

function check(mirror) {
  const core = coreLayout(mirror.code);
  const diff = differences(mirror, core);
  if (diff.length > 0) {
    throw new AssertionError(
      `${mirror.name} (ts/raw/layout.ts) disagrees with the core (crate/src/ffi/layout.rs):\n  ` +
        `${diff.join("\n  ")}\n  core: ${core.text}`,
    );
  }
}

export const cases = [
  {
    name: "FitSettings: the TS mirror matches the core's struct field by field",
    fn: () => check(RawLayouts.fit),
  },
  {
    name: "ModelSettings: the TS mirror matches the core's struct field by field",
    fn: () => check(RawLayouts.model),
  },
  {
    name: "PdeSettings: the TS mirror matches the core's struct field by field",
    fn: () => check(RawLayouts.pde),
  },
  {
    name: "a moved, retyped or missing field is reported by name",
    fn: () => {
      const m = RawLayouts.fit;
      const { lr, ...others } = m.fields;
      const moved = { ...m, fields: { ...others, lr: { ...lr, offset: lr.offset + 8 } } };
      const retyped = { ...m, fields: { ...others, lr: { ...lr, type: "u32" } } };
      const missing = { ...m, size: m.size - 8, fields: others };
      const core = coreLayout(m.code);
      equal(differences(moved, core).join("|"),
        `field "lr": the core has f64 at offset ${lr.offset}, the TS mirror f64 at offset ${lr.offset + 8}`, "moved");
      equal(differences(retyped, core).join("|"),
        `field "lr": the core has f64 at offset ${lr.offset}, the TS mirror u32 at offset ${lr.offset}`, "retyped");
      const gone = differences(missing, core);
      ok(gone.length === 2 && gone[0].startsWith("size:") && gone[1].includes("the TS mirror no such field"),
        `missing: ${gone.join("|")}`);
    },
  },
  {
    name: "kw_layout describes nothing for an unknown struct",
    fn: () => equal(rawKernel().raw.kw_layout_len(3), 0, "kw_layout_len(3)"),
  },
];
