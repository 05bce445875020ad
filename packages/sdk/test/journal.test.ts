import { assembleJournal, encodeJournal, newJournalState, replayJournal, SequenceClock, type JournalRecord } from "../src/journal";

const step = (name: string, status: "PROCESSING" | "SUCCESS", s: number): JournalRecord => ({
  t: "step",
  s,
  log: { name, internal_name: name, status, step_type: "task", message: "", mock: false, attempts: [], branches: {}, data_catalog: [] },
});

describe("SequenceClock", () => {
  it("is strictly increasing however many records a millisecond holds", () => {
    const now = jest.spyOn(Date, "now").mockReturnValue(1_700_000_000_000);
    try {
      const clock = new SequenceClock();
      let last = 0;
      for (let i = 0; i < 5000; i++) {
        const s = clock.next();
        expect(s).toBeGreaterThan(last);
        last = s;
      }
    } finally {
      now.mockRestore();
    }
  });

  it("moves past a sequence number it observed (a writer whose clock lags still orders after what it read)", () => {
    const clock = new SequenceClock();
    const ahead = Date.now() * 1000 + 3_600_000_000;
    clock.observe(ahead);
    expect(clock.next()).toBeGreaterThan(ahead);
  });
});

describe("replayJournal / assembleJournal", () => {
  it("gives the same run log whatever the order records are applied in", () => {
    const records: JournalRecord[] = [
      { t: "header", s: 1, header: { run_id: "r", status: "PROCESSING", dag_hash: "h", tag: "", job: null } },
      { t: "config", s: 1, config: { a: 1 } },
      { t: "params", s: 1, scope: "", parameters: { x: { kind: "json", value: 1 } } },
      step("one", "PROCESSING", 2),
      step("two", "PROCESSING", 3),
      step("one", "SUCCESS", 4),
      { t: "params", s: 5, scope: "", parameters: { x: { kind: "json", value: 2 } } },
      { t: "header", s: 6, header: { status: "SUCCESS" } },
    ];
    const forward = newJournalState();
    replayJournal(forward, encodeJournal(records), "a");
    const backward = newJournalState();
    replayJournal(backward, encodeJournal([...records].reverse()), "b");
    for (const state of [forward, backward]) {
      const log = assembleJournal(state);
      expect(Object.keys(log.steps)).toEqual(["one", "two"]);
      expect(log.steps.one!.status).toBe("SUCCESS");
      expect(log.parameters.x!.value).toBe(2);
      expect(log.status).toBe("SUCCESS");
    }
    expect(forward.maxSeq).toBe(6);
  });

  it("names the source and the line of a line that is not a record", () => {
    const state = newJournalState();
    const text = `${encodeJournal([step("one", "SUCCESS", 1)])}{"t":"step","s":2}\n`;
    expect(() => replayJournal(state, text, "/x/journal.jsonl")).toThrow(expect.objectContaining({ code: "E_RUN_LOG_CORRUPT", context: { file: "/x/journal.jsonl", line: 2 } }));
  });
});
