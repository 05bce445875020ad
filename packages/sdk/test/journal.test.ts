import { assembleJournal, encodeBatch, encodeJournal, newJournalState, replayJournal, SequenceClock, type JournalRecord } from "../src/journal";

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

describe("encodeBatch", () => {
  it("leaves out a step record a later one of the batch replaces, and the journal replays to the same run log, in the same order", () => {
    const header: JournalRecord = { t: "header", s: 1, header: { run_id: "r", status: "PROCESSING" } };
    // a starts, b starts and finishes, a finishes: a stays listed before b.
    const records = (): JournalRecord[] => [header, step("a", "PROCESSING", 2), step("b", "PROCESSING", 3), step("b", "SUCCESS", 4), step("a", "SUCCESS", 5)];
    const text = encodeBatch(records());
    expect(text.trim().split("\n")).toHaveLength(3);
    const batched = newJournalState();
    replayJournal(batched, text, "batched");
    const full = newJournalState();
    replayJournal(full, encodeJournal(records()), "full");
    expect(assembleJournal(batched)).toEqual(assembleJournal(full));
    expect(Object.keys(assembleJournal(batched).steps)).toEqual(["a", "b"]);
    expect(assembleJournal(batched).steps.a!.status).toBe("SUCCESS");
  });

  it("keeps the first sequence number over several left-out records and across batches", () => {
    const first = encodeBatch([step("a", "PROCESSING", 2), step("b", "PROCESSING", 3)]);
    const second = encodeBatch([step("a", "PROCESSING", 4), step("b", "SUCCESS", 5), step("a", "SUCCESS", 6)]);
    expect(second.trim().split("\n")).toHaveLength(2);
    const state = newJournalState();
    replayJournal(state, second, "second");
    replayJournal(state, first, "first");
    expect(state.steps.get("a")).toMatchObject({ first: 2, last: 6 });
    expect(state.steps.get("b")).toMatchObject({ first: 3, last: 5 });
  });
});
