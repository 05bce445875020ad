import { KeyedMutex, type Awaitable, type RunLogStore } from "@runnable-ts/sdk";

/**
 * A view of a store that does not declare `supportsConcurrentWriters` whose calls run one at a
 * time, so concurrent branches of an `async-local` run cannot interleave its read-modify-write
 * sequences. (The built-in `file-system` store already serialises per run; this makes the
 * guarantee hold for any third-party store too.)
 */
export function serializedStore(store: RunLogStore): RunLogStore {
  const mutex = new KeyedMutex();
  const one = <T>(work: () => Awaitable<T>): Promise<T> => mutex.run("store", async () => work());
  return {
    supportsConcurrentWriters: false,
    createRunLog: (h) => one(() => store.createRunLog(h)),
    exists: (id) => one(() => store.exists(id)),
    getRunLog: (id) => one(() => store.getRunLog(id)),
    updateRunLog: (id, p) => one(() => store.updateRunLog(id, p)),
    getParameters: (id, b) => one(() => store.getParameters(id, b)),
    setParameters: (id, p, b) => one(() => store.setParameters(id, p, b)),
    getStepLog: (id, n) => one(() => store.getStepLog(id, n)),
    putStepLog: (id, s) => one(() => store.putStepLog(id, s)),
    getBranchLog: (id, n) => one(() => store.getBranchLog(id, n)),
    putBranchLog: (id, b) => one(() => store.putBranchLog(id, b)),
    listRuns: () => one(() => store.listRuns()),
  };
}
