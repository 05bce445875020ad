// LangGraph.js (@langchain/langgraph 1.7) doing the bench workloads; variant "saver" adds the
// MemorySaver checkpointer. See ../README.md for the mapping.
import { Annotation, END, MemorySaver, Send, START, StateGraph } from "@langchain/langgraph";
import { measure, median, sleep, size, variant, workload } from "./common.mjs";

process.setMaxListeners?.(0);
const compile = (g) => g.compile(variant === "saver" ? { checkpointer: new MemorySaver() } : {});
let thread = 0;
const config = (limit, extra = {}) => ({ recursionLimit: limit, configurable: { thread_id: `t${thread++}` }, ...extra });
const Value = Annotation.Root({ value: Annotation({ reducer: (_a, b) => b, default: () => 0 }) });

function chain(n) {
  let g = new StateGraph(Value);
  for (let i = 0; i < n; i++) g = g.addNode(`s${i}`, async (s) => ({ value: s.value + 1 }));
  g = g.addEdge(START, "s0");
  for (let i = 0; i < n - 1; i++) g = g.addEdge(`s${i}`, `s${i + 1}`);
  return compile(g.addEdge(`s${n - 1}`, END));
}

function map(m, ms) {
  const State = Annotation.Root({ items: Annotation({ reducer: (_a, b) => b, default: () => [] }), out: Annotation({ reducer: (a, b) => a.concat(b), default: () => [] }) });
  return compile(
    new StateGraph(State)
      .addNode("work", async (s) => { if (ms) await sleep(ms); return { out: [s.item * 2] }; })
      .addConditionalEdges(START, (s) => s.items.map((item) => new Send("work", { item })))
      .addEdge("work", END),
  );
}

function fanOut(branches, ms) {
  let g = new StateGraph(Value);
  for (let i = 0; i < branches; i++) g = g.addNode(`b${i}`, async () => { await sleep(ms); return {}; }).addEdge(START, `b${i}`).addEdge(`b${i}`, END);
  return compile(g);
}

if (workload === "w1") {
  const app = chain(size);
  await measure(() => app.invoke({ value: 0 }, config(size + 10)));
} else if (workload === "w2") {
  const app = map(size, 0);
  await measure(() => app.invoke({ items: Array.from({ length: size }, (_, i) => i) }, config(100)));
} else if (workload === "w3") {
  const app = fanOut(size, 200);
  await measure(() => app.invoke({ value: 0 }, config(100)));
} else if (workload === "w4") {
  const app = map(size, 10);
  await measure(() => app.invoke({ items: Array.from({ length: size }, (_, i) => i) }, config(100, { maxConcurrency: 1000 })));
} else if (workload === "w5") {
  const State = Annotation.Root({ n: Annotation({ reducer: (_a, b) => b, default: () => 0 }) });
  const app = compile(new StateGraph(State).addNode("gen", async (_s, cfg) => { for (let i = 0; i < size; i++) cfg.writer({ type: "tick", i }); return { n: size }; }).addEdge(START, "gen").addEdge("gen", END));
  // Events per second of each repetition: the figure is their median, as every other figure is.
  const rates = [];
  await measure(async () => {
    const start = performance.now();
    let seen = 0;
    for await (const _chunk of await app.stream({}, config(10, { streamMode: "custom" }))) seen++;
    if (seen !== size) throw new Error(`langgraph streamed ${seen} of ${size}`);
    rates.push(size / ((performance.now() - start) / 1000));
  }, () => ({ eventsPerSecond: median(rates) }));
} else if (workload === "w6") {
  await chain(1).invoke({ value: 0 }, config(10));
  console.log(JSON.stringify({ times: [], rss: process.resourceUsage().maxRSS * 1024 }));
} else throw new Error(`unknown workload ${workload}`);
