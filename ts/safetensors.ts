/**
 * The safetensors container: an 8-byte little-endian header length, a JSON header naming
 * each tensor's dtype, shape and byte range, then the raw little-endian data. kanwasm adds
 * a CRC-32 of the whole file (with the checksum field blanked) to the header's metadata, so
 * a truncated or altered file is rejected instead of loading wrong numbers.
 *
 * ```js
 * const bytes = encodeSafetensors([{ name: "w", dtype: "F64", shape: [2], data: [1, 2] }], { note: "x" });
 * decodeSafetensors(bytes).tensors.get("w").data;   // Float64Array [1, 2]
 * ```
 * Decoding only parses: it evaluates nothing from the file, bounds the header, checks every
 * byte range and dtype, and throws KanError("CORRUPT_DATA") on anything unexpected.
 */
import { KanError } from "./errors.js";

/** @internal */
export type StDType = "F32" | "F64";

/** @internal */
export interface StTensor {
  name: string;
  dtype: StDType;
  shape: number[];
  /** Values in row-major order. */
  data: ArrayLike<number>;
}

/** @internal */
export interface StDecoded {
  metadata: Record<string, string>;
  tensors: Map<string, { dtype: StDType; shape: number[]; data: Float64Array }>;
}

/** Largest header kanwasm reads: far above any model's, far below memory trouble. @internal */
export const MAX_HEADER_BYTES = 16 << 20;
const CHECKSUM_KEY = "crc32";
const BLANK = "00000000";

let table: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, as zlib computes it) over several byte arrays in order. @internal */
export function crc32(parts: Uint8Array[]): number {
  if (table === undefined) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) crc = table[(crc ^ p[i]!) & 0xff]! ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const hex = (v: number) => v.toString(16).padStart(8, "0");

/** Serialises tensors and string metadata. Tensors are laid out in the order given. @internal */
export function encodeSafetensors(tensors: StTensor[], metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { ...metadata, [CHECKSUM_KEY]: BLANK } };
  let offset = 0;
  for (const t of tensors) {
    const bytes = t.data.length * (t.dtype === "F64" ? 8 : 4);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // pad the header to 8 bytes so the data is aligned for typed-array views
  const enc = new TextEncoder();
  while ((enc.encode(json).length + 8) % 8 !== 0) json += " ";
  const head = enc.encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let pos = 8 + head.length;
  for (const t of tensors) {
    const n = t.data.length;
    for (let i = 0; i < n; i++) {
      if (t.dtype === "F64") {
        view.setFloat64(pos, t.data[i]!, true);
        pos += 8;
      } else {
        view.setFloat32(pos, t.data[i]!, true);
        pos += 4;
      }
    }
  }
  const sum = hex(crc32([out]));
  const marker = enc.encode(`"${CHECKSUM_KEY}":"${BLANK}"`);
  const at = indexOf(out.subarray(8, 8 + head.length), marker);
  out.set(enc.encode(`"${CHECKSUM_KEY}":"${sum}"`), 8 + at);
  return out;
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function corrupt(msg: string): never {
  throw new KanError("CORRUPT_DATA", `load: ${msg}; the bytes are not an intact kanwasm file`);
}

/** Parses and verifies a file written by `encodeSafetensors`. @internal */
export function decodeSafetensors(bytes: Uint8Array, opts: { checksum?: boolean } = {}): StDecoded {
  // checksum false: a file from elsewhere (torch's save_file), whose metadata is optional
  const checksum = opts.checksum ?? true;
  if (!(bytes instanceof Uint8Array)) corrupt("expected a Uint8Array");
  if (bytes.length < 8) corrupt(`${bytes.length} bytes is shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = view.getBigUint64(0, true);
  if (hlen > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - 8))) {
    corrupt(`the header claims ${hlen} bytes but ${bytes.length - 8} follow (limit ${MAX_HEADER_BYTES})`);
  }
  const n = Number(hlen);
  const headBytes = bytes.subarray(8, 8 + n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(headBytes));
  } catch {
    corrupt("the header is not valid UTF-8 JSON");
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    corrupt("the header is not a JSON object");
  }
  const h = header as Record<string, unknown>;
  const meta = h.__metadata__ ?? (checksum ? undefined : {});
  if (meta === null || typeof meta !== "object" || Array.isArray(meta)) {
    corrupt("the header has no __metadata__ object");
  }
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta as Record<string, unknown>)) {
    if (typeof v !== "string") corrupt(`metadata "${k}" is not a string`);
    metadata[k] = v;
  }
  if (checksum) {
    const sum = metadata[CHECKSUM_KEY];
    if (sum === undefined || !/^[0-9a-f]{8}$/.test(sum)) corrupt("the checksum is missing or malformed");
    const enc = new TextEncoder();
    const at = indexOf(headBytes, enc.encode(`"${CHECKSUM_KEY}":"${sum}"`));
    if (at < 0) corrupt("the checksum field is not where it belongs");
    const blanked = headBytes.slice();
    blanked.set(enc.encode(`"${CHECKSUM_KEY}":"${BLANK}"`), at);
    const actual = hex(crc32([bytes.subarray(0, 8), blanked, bytes.subarray(8 + n)]));
    if (actual !== sum) corrupt(`checksum mismatch (stored ${sum}, computed ${actual})`);
    delete metadata[CHECKSUM_KEY];
  }

  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const tensors: StDecoded["tensors"] = new Map();
  const ranges: [number, number][] = [];
  for (const [name, entry] of Object.entries(h)) {
    if (name === "__metadata__") continue;
    if (entry === null || typeof entry !== "object") corrupt(`tensor "${name}" has no description`);
    const { dtype, shape, data_offsets: off } = entry as Record<string, unknown>;
    if (dtype !== "F32" && dtype !== "F64") {
      corrupt(`tensor "${name}" has dtype ${String(dtype)}; kanwasm writes F32 or F64`);
    }
    const dimOk = (d: unknown) => Number.isInteger(d) && (d as number) >= 0 && (d as number) < 2 ** 31;
    if (!Array.isArray(shape) || shape.length > 8 || !shape.every(dimOk)) {
      corrupt(`tensor "${name}" has a malformed shape`);
    }
    const offOk = Array.isArray(off) && off.length === 2 && off.every((d) => Number.isInteger(d) && d >= 0);
    if (!offOk || off[0] > off[1] || off[1] > dataLen) {
      corrupt(`tensor "${name}" has byte range ${JSON.stringify(off)} outside the ${dataLen} data bytes`);
    }
    const size = dtype === "F64" ? 8 : 4;
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (off[1] - off[0] !== count * size) {
      corrupt(`tensor "${name}" spans ${off[1] - off[0]} bytes, its shape needs ${count * size}`);
    }
    ranges.push([off[0], off[1]]);
    const data = new Float64Array(count);
    const base = dataStart + off[0];
    for (let i = 0; i < count; i++) {
      data[i] = size === 8 ? view.getFloat64(base + 8 * i, true) : view.getFloat32(base + 4 * i, true);
    }
    tensors.set(name, { dtype, shape: shape as number[], data });
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) if (ranges[i]![0] < ranges[i - 1]![1]) corrupt("two tensors overlap");
  return { metadata, tensors };
}
