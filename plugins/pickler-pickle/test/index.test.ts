import { registerPicklerCodec } from "@runnable-ts/sdk";
import { TaggedJsonPickler } from "../src/index";

class Money {
  constructor(readonly cents: number) {}
}

describe("TaggedJsonPickler", () => {
  const pickler = new TaggedJsonPickler();
  const roundTrip = async (value: unknown) => pickler.loads(await pickler.dumps(value));

  it("round-trips what JSON cannot carry", async () => {
    const value = {
      when: new Date("2026-01-02T03:04:05.000Z"),
      map: new Map<unknown, unknown>([["a", 1], [2, new Set([3])]]),
      big: 12345678901234567890n,
      bytes: new Uint8Array([1, 2, 255]),
      floats: new Float64Array([1.5, -2]),
      nan: Number.NaN,
      missing: undefined,
      re: /a+b/gi,
      tricky: { $pickle: "not a tag" },
      list: [1, "two", null],
    };
    const back = (await roundTrip(value)) as typeof value;
    expect(back.when).toEqual(value.when);
    expect(back.map).toEqual(value.map);
    expect(back.big).toBe(value.big);
    expect(back.bytes).toEqual(value.bytes);
    expect(back.floats).toEqual(value.floats);
    expect(back.nan).toBeNaN();
    expect("missing" in back && back.missing === undefined).toBe(true);
    expect(back.re.source).toBe("a+b");
    expect(back.re.flags).toBe("gi");
    expect(back.tricky).toEqual({ $pickle: "not a tag" });
    expect(back.list).toEqual([1, "two", null]);
  });

  it("refuses class instances without a codec, and uses a registered codec", async () => {
    await expect(pickler.dumps(new Money(5))).rejects.toThrow(/instance of Money: register a codec/);
    registerPicklerCodec<Money>({ name: "Money", test: (v) => v instanceof Money, encode: (m) => ({ cents: m.cents }), decode: (d) => new Money((d as { cents: number }).cents) });
    const back = await roundTrip([new Money(250)]);
    expect(back).toEqual([new Money(250)]);
    expect((back as Money[])[0]).toBeInstanceOf(Money);
  });

  it("refuses cycles and functions", async () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    await expect(pickler.dumps(a)).rejects.toThrow(/cycles/);
    await expect(pickler.dumps({ f: () => 1 })).rejects.toThrow(/cannot pickle a function/);
  });
});
