/** How the default pickler stores instances of a class JSON cannot carry. */
export interface PicklerCodec<T = unknown> {
  /** Stable name written into pickled files. */
  readonly name: string;
  /** True for values this codec handles (e.g. `v => v instanceof Money`). */
  test(value: unknown): boolean;
  /** A value the pickler can store (JSON, or any value it knows: Date, Map…). */
  encode(value: T): unknown;
  /** Rebuilds the value from what `encode` produced. */
  decode(data: unknown): T;
}

const SLOT = Symbol.for("runnable-ts.pickler-codecs");

/** The codecs registered in this process (shared by every copy of the SDK). */
export function picklerCodecs(): Map<string, PicklerCodec> {
  const g = globalThis as Record<symbol, unknown>;
  return ((g[SLOT] as Map<string, PicklerCodec> | undefined) ??= new Map());
}

/**
 * Registers a codec so `pickled()` returns of that class can be stored and loaded.
 * @example
 * ```ts
 * registerPicklerCodec({ name: "Money", test: (v) => v instanceof Money,
 *   encode: (m) => ({ cents: m.cents }), decode: (d) => new Money((d as { cents: number }).cents) });
 * ```
 */
export function registerPicklerCodec<T>(codec: PicklerCodec<T>): void {
  picklerCodecs().set(codec.name, codec as PicklerCodec);
}
