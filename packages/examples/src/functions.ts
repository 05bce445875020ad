import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import type { TaskContext } from "@runnable-ts/sdk";

/** Says hello (the output lands in the step's execution log). */
export function hello(): string {
  console.log("Hello World!");
  return "Hello World!";
}

/** Always throws: shows failure routing. */
export function failing(): never {
  throw new Error("this step always fails");
}

/** Records that it ran by writing a marker file named after `marker`. */
export function touch({ marker }: { marker?: string }): void {
  mkdirSync("markers", { recursive: true });
  writeFileSync(`markers/${marker ?? "touched"}`, "ran");
}

/** Reads the initial parameters and returns derived values of every kind. */
export function readInitial({ integer, stringer, nested }: { integer: number; stringer: string; nested: { x: number; foo: string } }): [number, string, number, Map<string, number>] {
  return [integer + 1, `${stringer}!`, nested.x * 2, new Map([["a", integer]])];
}

/** Reads a pickled Map returned by an earlier step. */
export function readPickled({ counts }: { counts: Map<string, number> }): number {
  if (!(counts instanceof Map)) throw new Error("counts should arrive as a Map");
  return counts.get("a") ?? -1;
}

/** Writes a data file for the catalog. */
export function writeData(): void {
  mkdirSync("data", { recursive: true });
  writeFileSync("data/data.csv", "a,b\n1,2\n");
}

/** Reads the catalogued data file. */
export function readData(): number {
  return readFileSync("data/data.csv", "utf8").trim().split("\n").length;
}

/** Writes a report and then fails: the report is still put into the catalog. */
export function writeReportThenFail(): never {
  writeFileSync("report.txt", "partial");
  throw new Error("failed after writing the report");
}

/** A list of chunks to map over. */
export function chunks(): number[] {
  return [1, 2, 3];
}

/** Processes one chunk. */
export function processChunk({ chunk, multiplier = 10 }: { chunk: number; multiplier?: number }): number {
  return chunk * multiplier;
}

/** A coin toss that always lands `heads` (deterministic for tests). */
export function toss(): string {
  return "heads";
}

/** Increments the loop counter and says when to stop. */
export function count({ counter, index }: { counter: number; index: number }): [number, boolean, number] {
  const next = counter + 1;
  return [next, next >= 3, index];
}

/** Uses a secret without leaking it: returns only its length. */
export function useSecret(_params: Record<string, unknown>, ctx: TaskContext): number {
  const key = ctx.secrets.api_key;
  if (!key) throw new Error("api_key missing");
  return key.length;
}

/** A branch task of the parallel example: reads the parent's parameter. */
export function branchA({ base }: { base: number }): [number, string] {
  return [base + 1, "value_a"];
}

/** Another branch task: also sets `shared` (declared last: it wins). */
export function branchB({ base }: { base: number }): [number, string] {
  return [base + 2, "value_b"];
}
