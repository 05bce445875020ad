import { compareResults, type BenchResults } from "../src/compare";

const results = (rows: BenchResults["rows"], extra: BenchResults["extra"] = []): BenchResults => ({ commit: "abc", rows, extra });

describe("bench --compare", () => {
  it("prints each figure measured in both results with its change, and what is new or gone", () => {
    const before = results(
      [
        { workload: "W1", system: "ours", family: "ours", size: 1000, medianMs: 100, perUnitUs: 90, rssMiB: 120 },
        { workload: "W1", system: "ours", family: "ours", size: 10, medianMs: 10 },
        { workload: "W5", system: "ours", family: "ours", size: 1, eventsPerSecond: 100_000 },
      ],
      [{ workload: "emulator", metric: "per-step", value: 400, unit: "ms" }],
    );
    const after = results(
      [
        { workload: "W1", system: "ours", family: "ours", size: 1000, medianMs: 80, perUnitUs: 90, rssMiB: 132, logBytesPerUnit: 700 },
        { workload: "W5", system: "ours", family: "ours", size: 1, eventsPerSecond: 300_000 },
        { workload: "W6", system: "ours", family: "ours", size: 1, medianMs: 200 },
      ],
      [{ workload: "emulator", metric: "per-step", value: 300, unit: "ms" }],
    );
    expect(compareResults(before, after)).toEqual([
      "W1 | ours | N=1000 median wall ms: 100.0 -> 80.0 (-20.0%)",
      "W1 | ours | N=1000 per step/item µs: 90.0 -> 90.0 (+0.0%)",
      "W1 | ours | N=1000 peak RSS MiB: 120.0 -> 132.0 (+10.0%)",
      "W5 | ours | N=1 events/s: 100000.0 -> 300000.0 (+200.0%)",
      "W6 | ours | N=1: new",
      "W1 | ours | N=10: not measured now",
      "emulator | per-step ms: 400.00 -> 300.00 (-25.0%)",
    ]);
  });
});
