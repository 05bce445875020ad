// Mastra workflows (@mastra/core 0.24) doing the bench workloads. See ../README.md for the mapping.
import { createStep, createWorkflow } from "@mastra/core/workflows";
import { z } from "zod";
import { measure, median, sleep, size, workload } from "./common.mjs";

const V = z.object({ value: z.number() });
const run = async (wf, inputData) => {
  const r = await (await wf.createRunAsync()).start({ inputData });
  if (r.status !== "success") throw new Error(`mastra run ${r.status}`);
  return r.result;
};

function chain(n) {
  let wf = createWorkflow({ id: `chain${n}`, inputSchema: V, outputSchema: V });
  for (let i = 0; i < n; i++) wf = wf.then(createStep({ id: `s${i}`, inputSchema: V, outputSchema: V, execute: async ({ inputData }) => ({ value: inputData.value + 1 }) }));
  return wf.commit();
}

function map(m, ms, concurrency) {
  const Items = z.array(z.number());
  const load = createStep({ id: "load", inputSchema: z.object({}), outputSchema: Items, execute: async () => Array.from({ length: m }, (_, i) => i) });
  const work = createStep({ id: "work", inputSchema: z.number(), outputSchema: z.number(), execute: async ({ inputData }) => { if (ms) await sleep(ms); return inputData * 2; } });
  return createWorkflow({ id: `map${m}`, inputSchema: z.object({}), outputSchema: Items }).then(load).foreach(work, { concurrency }).commit();
}

function fanOut(branches, ms) {
  const steps = Array.from({ length: branches }, (_, i) => createStep({ id: `b${i}`, inputSchema: z.object({}), outputSchema: z.object({}), execute: async () => { await sleep(ms); return {}; } }));
  return createWorkflow({ id: "fan", inputSchema: z.object({}), outputSchema: z.any() }).parallel(steps).commit();
}

function stream(n) {
  const gen = createStep({ id: "gen", inputSchema: z.object({}), outputSchema: z.object({ n: z.number() }), execute: async ({ writer }) => { for (let i = 0; i < n; i++) await writer.write({ type: "tick", i }); return { n }; } });
  return createWorkflow({ id: "stream", inputSchema: z.object({}), outputSchema: z.object({ n: z.number() }) }).then(gen).commit();
}

if (workload === "w1") {
  const wf = chain(size);
  await measure(() => run(wf, { value: 0 }));
} else if (workload === "w2") {
  const wf = map(size, 0, 1);
  await measure(() => run(wf, {}));
} else if (workload === "w3") {
  const wf = fanOut(size, 200);
  await measure(() => run(wf, {}));
} else if (workload === "w4") {
  const wf = map(size, 10, 1000);
  await measure(() => run(wf, {}));
} else if (workload === "w5") {
  const wf = stream(size);
  // Events per second of each repetition: the figure is their median, as every other figure is.
  const rates = [];
  await measure(async () => {
    const start = performance.now();
    let seen = 0;
    const out = (await wf.createRunAsync()).streamVNext({ inputData: {} });
    for await (const chunk of out.fullStream) if (chunk.type === "workflow-step-output") seen++;
    if (seen !== size) throw new Error(`mastra streamed ${seen} of ${size}`);
    rates.push(size / ((performance.now() - start) / 1000));
  }, () => ({ eventsPerSecond: median(rates) }));
} else if (workload === "w6") {
  await run(chain(1), { value: 0 });
  console.log(JSON.stringify({ times: [], rss: process.resourceUsage().maxRSS * 1024 }));
} else throw new Error(`unknown workload ${workload}`);
