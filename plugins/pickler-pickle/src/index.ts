import { definePlugin, picklerCodecs, type Pickler } from "@runnable-ts/sdk";

const TAG = "$pickle";
type Tagged = { [TAG]: string; v?: unknown; name?: string };

const TYPED_ARRAYS: Record<string, new (buffer: ArrayBufferLike, offset?: number, length?: number) => ArrayBufferView> = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array,
};

/** Turns a value into JSON with tagged objects for what JSON cannot carry. */
export function encode(value: unknown, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : { [TAG]: "Number", v: String(value) };
  if (value === undefined) return { [TAG]: "undefined" };
  if (typeof value === "bigint") return { [TAG]: "BigInt", v: value.toString() };
  if (typeof value !== "object") throw new Error(`cannot pickle a ${typeof value}`);
  if (seen.has(value)) throw new Error("cannot pickle a value with cycles");
  seen.add(value);
  try {
    for (const codec of picklerCodecs().values()) if (codec.test(value)) return { [TAG]: "codec", name: codec.name, v: encode(codec.encode(value), seen) };
    if (Array.isArray(value)) return value.map((v) => encode(v, seen));
    if (value instanceof Date) return { [TAG]: "Date", v: value.toISOString() };
    if (value instanceof Map) return { [TAG]: "Map", v: [...value.entries()].map(([k, v]) => [encode(k, seen), encode(v, seen)]) };
    if (value instanceof Set) return { [TAG]: "Set", v: [...value].map((v) => encode(v, seen)) };
    if (value instanceof RegExp) return { [TAG]: "RegExp", v: [value.source, value.flags] };
    if (ArrayBuffer.isView(value)) {
      const name = Buffer.isBuffer(value) ? "Uint8Array" : value.constructor.name;
      return { [TAG]: name, v: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") };
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null)
      throw new Error(`cannot pickle an instance of ${(value as object).constructor?.name ?? "an unknown class"}: register a codec with registerPicklerCodec()`);
    const entries = Object.entries(value).map(([k, v]) => [k, encode(v, seen)] as const);
    return TAG in value ? { [TAG]: "Object", v: entries } : Object.fromEntries(entries);
  } finally {
    seen.delete(value);
  }
}

/** Inverse of {@link encode}. */
export function decode(data: unknown): unknown {
  if (Array.isArray(data)) return data.map(decode);
  if (data === null || typeof data !== "object") return data;
  if (!(TAG in data)) return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, decode(v)]));
  const t = data as Tagged;
  switch (t[TAG]) {
    case "undefined":
      return undefined;
    case "Number":
      return Number(t.v);
    case "BigInt":
      return BigInt(String(t.v));
    case "Date":
      return new Date(String(t.v));
    case "Map":
      return new Map((t.v as [unknown, unknown][]).map(([k, v]) => [decode(k), decode(v)]));
    case "Set":
      return new Set((t.v as unknown[]).map(decode));
    case "RegExp":
      return new RegExp(...(t.v as [string, string]));
    case "Object":
      return Object.fromEntries((t.v as [string, unknown][]).map(([k, v]) => [k, decode(v)]));
    case "codec": {
      const codec = picklerCodecs().get(String(t.name));
      if (!codec) throw new Error(`no codec "${String(t.name)}" is registered to load this value: call registerPicklerCodec() first`);
      return codec.decode(decode(t.v));
    }
    default: {
      const ctor = TYPED_ARRAYS[t[TAG]];
      if (!ctor) throw new Error(`unknown pickled type "${t[TAG]}"`);
      const bytes = Buffer.from(String(t.v), "base64");
      const copy = new Uint8Array(bytes).buffer;
      return new ctor(copy, 0, copy.byteLength / ((ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT ?? 1));
    }
  }
}

/** The default pickler: tagged JSON (Date, Map, Set, BigInt, typed arrays, RegExp, codecs). */
export class TaggedJsonPickler implements Pickler {
  readonly extension = ".pickle.json";
  async dumps(value: unknown): Promise<Uint8Array> {
    return Buffer.from(JSON.stringify(encode(value)));
  }
  async loads(data: Uint8Array): Promise<unknown> {
    return decode(JSON.parse(Buffer.from(data).toString("utf8")));
  }
}

/** The `pickle` pickler plugin (the default). */
export const picklePlugin = definePlugin({ kind: "pickler", name: "pickle", create: () => new TaggedJsonPickler() });
