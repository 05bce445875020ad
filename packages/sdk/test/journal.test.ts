import { assembleJournal, compactStep, encodeBatch, encodeJournal, fullStep, newJournalState, replayJournal, SequenceClock, type JournalRecord } from "../src/journal";
import { newAttempt, newStepLog, type StepLog } from "../src/run-log";

const step = (name: string, status: "PROCESSING" | "SUCCESS", s: number): JournalRecord => ({
  t: "step",
  s,
  log: { name, internal_name: name, status, step_type: "task", attempts: [] },
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

describe("the journal's form of a step log", () => {
  const busy = (): StepLog => {
    const log = newStepLog("work", "work", "task");
    log.status = "FAIL";
    log.message = "boom";
    log.mock = true;
    log.data_catalog.push({ name: "out.csv", data_hash: "h", catalog_relative_path: "r/out.csv", catalog_handler_location: ".catalog", stage: "put" });
    log.attempts.push(
      newAttempt({ attempt_number: 1, status: "FAIL", message: "boom", input_parameters: { x: { kind: "json", value: 1 } }, user_defined_metrics: { loss: 0.5 }, retry_indicator: "r1", error: { name: "Error", code: "E_X" } }),
      newAttempt({ attempt_number: 2, status: "SUCCESS", output_parameters: { y: { kind: "json", value: 2 } }, delay_ms: 5, cached: true, cached_from: "other" }),
    );
    return log;
  };

  it("leaves out the fields that hold their defaults, and reads back as the log it came from", () => {
    const plain = newStepLog("success", "m.1.success", "success");
    plain.status = "SUCCESS";
    plain.attempts.push(newAttempt({ attempt_number: 1, status: "SUCCESS" }));
    const compact = JSON.stringify(compactStep(plain));
    expect(compact).not.toMatch(/"name"|"attempt_number"|"end_time"|"message"|"mock"|"branches"|"data_catalog"|"input_parameters"|"user_defined_metrics"|"retry_indicator"|"code_identities"/);
    // The attempt's status is the step's: left out too.
    expect(compact.match(/"status"/g)).toHaveLength(1);
    expect(compact.length).toBeLessThan(JSON.stringify(plain).length * 0.7);
    expect(fullStep(JSON.parse(compact))).toEqual(plain);
    // Every non-default field, optional attempt fields included, survives the round trip.
    const log = busy();
    expect(fullStep(JSON.parse(JSON.stringify(compactStep(log))))).toEqual(log);
  });

  it("keeps what does not follow from the rest: a name that is not the internal name's last part, numbers out of place, another status, an end time of its own", () => {
    const dotted = newStepLog("a.b", "m.0.a.b", "task");
    dotted.status = "SUCCESS";
    dotted.attempts.push(
      newAttempt({ attempt_number: 3, status: "FAIL", start_time: "2026-01-01T00:00:00.000Z", end_time: "2026-01-01T00:00:01.000Z" }),
      newAttempt({ attempt_number: 4, status: "SUCCESS", start_time: "2026-01-01T00:00:02.000Z", end_time: "2026-01-01T00:00:02.000Z" }),
    );
    const compact = compactStep(dotted);
    expect(compact.name).toBe("a.b");
    expect(compact.attempts).toEqual([
      { attempt_number: 3, status: "FAIL", start_time: "2026-01-01T00:00:00.000Z", end_time: "2026-01-01T00:00:01.000Z" },
      { attempt_number: 4, start_time: "2026-01-01T00:00:02.000Z" },
    ]);
    expect(fullStep(JSON.parse(JSON.stringify(compact)))).toEqual(dotted);
    const plain = newStepLog("work", "m.0.work", "task");
    expect(compactStep(plain).name).toBeUndefined();
    expect(fullStep(compactStep(plain)).name).toBe("work");
  });

  it("replays an older journal whose step records hold every field to the same run log", () => {
    const log = busy();
    const header: JournalRecord = { t: "header", s: 1, header: { run_id: "r", status: "PROCESSING" } };
    const older = newJournalState();
    replayJournal(older, `${JSON.stringify(header)}\n${JSON.stringify({ t: "step", s: 2, log: { ...log, branches: {} } })}\n`, "older");
    const newer = newJournalState();
    replayJournal(newer, encodeJournal([header, { t: "step", s: 2, log: compactStep(log) }]), "newer");
    expect(assembleJournal(older)).toEqual(assembleJournal(newer));
    expect(assembleJournal(newer).steps.work).toEqual(log);
  });
});

describe("encodeJournal", () => {
  it("writes each record as the JSON of the record, sequence numbers exact (16 digits, zeros inside, small, fractional)", () => {
    const records: JournalRecord[] = [
      { t: "step", s: 1_796_216_056_390_002, f: 1_796_216_000_000_007, log: { name: "a", internal_name: "a", status: "SUCCESS", step_type: "task", attempts: [] } },
      step("b", "PROCESSING", 1_700_000_000_000_000),
      { t: "branch", s: 1_796_216_056_399_999, f: 12, branch: { internal_name: 'm."0"', status: "SUCCESS" } },
      { t: "params", s: 99_999_999, scope: "m.0", parameters: { x: { kind: "json", value: [1, "two"] } } },
      { t: "params", s: 100_000_000, scope: "", parameters: {} },
      { t: "header", s: 2.5, header: { status: "FAIL" } },
      { t: "config", s: Number.MAX_SAFE_INTEGER, config: { a: 1 } },
    ];
    const lines = encodeJournal(records).trimEnd().split("\n");
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(records);
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
