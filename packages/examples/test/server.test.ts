import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { createStreamingServer } from "../src/server/server";
import { workdir } from "./support";

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

async function readStream(url: string): Promise<SseEvent[]> {
  const response = await fetch(url);
  expect(response.headers.get("content-type")).toBe("text/event-stream");
  const text = await response.text();
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const lines = block.split("\n");
      return { event: lines[0]!.slice("event: ".length), data: JSON.parse(lines[1]!.slice("data: ".length)) as Record<string, unknown> };
    });
}

describe("streaming server (real HTTP on 127.0.0.1)", () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const { dir } = workdir("buffered", "", "async-local");
    server = createStreamingServer({ cwd: dir, configurationFile: `${dir}/config.yaml` });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("serves 20 concurrent clients, each its complete, correctly ordered stream", async () => {
    const endpoints = ["/chat", "/chat-and-summarize", "/chat-and-translate", "/chat-map-translate?languages=es,fr,de", "/chat-conditional-translate?language=fr"];
    const requests = Array.from({ length: 20 }, (_, i) => {
      const path = endpoints[i % endpoints.length]!;
      return { path, prompt: `question ${i}` };
    });
    const streams = await Promise.all(requests.map((r) => readStream(`${base}${r.path}${r.path.includes("?") ? "&" : "?"}prompt=${encodeURIComponent(r.prompt)}`)));
    const runIds = new Set<unknown>();
    streams.forEach((events, i) => {
      const { path, prompt } = requests[i]!;
      expect(events[0]?.event).toBe("pipeline_started");
      expect(events.at(-1)).toMatchObject({ event: "pipeline_completed", data: { status: "SUCCESS" } });
      const ids = new Set(events.map((e) => e.data.run_id));
      expect(ids.size).toBe(1);
      runIds.add([...ids][0]);
      // The chat tokens arrive in order and spell the answer that the `done` event carries.
      const chatChunks = events.filter((e) => e.event === "chunk" && e.data.step === "chat").map((e) => e.data.text).join("");
      expect(chatChunks).toBe(`You asked: ${prompt}. Here is a considered answer.`);
      expect(events.find((e) => e.event === "done" && e.data.step === "chat")?.data.text).toBe(chatChunks);
      // Per step, events are causal: step_started < task_started < chunks < done < task_completed < step_completed.
      const byStep = new Map<string, string[]>();
      for (const e of events) if (typeof e.data.step === "string" && e.data.step) byStep.set(e.data.step, [...(byStep.get(e.data.step) ?? []), e.event]);
      for (const types of byStep.values()) {
        if (!types.includes("task_started")) continue;
        expect([types[0], types[1], types.at(-2), types.at(-1)]).toEqual(["step_started", "task_started", "task_completed", "step_completed"]);
      }
      if (path.startsWith("/chat-and-translate")) {
        const fr = events.filter((e) => e.event === "chunk" && e.data.step === "translate.french.to_fr").map((e) => e.data.text).join("");
        expect(fr).toBe(`[fr] ${chatChunks}`);
      }
      if (path.startsWith("/chat-map-translate")) {
        for (const lang of ["es", "fr", "de"])
          expect(events.filter((e) => e.event === "chunk" && e.data.step === `translate.${lang}.to_language`).map((e) => e.data.text).join("")).toBe(`[${lang}] ${chatChunks}`);
      }
      if (path.startsWith("/chat-conditional-translate")) {
        expect(events.some((e) => String(e.data.step).startsWith("translate.es"))).toBe(false);
        expect(events.filter((e) => e.event === "chunk" && e.data.step === "translate.fr.to_fr").length).toBeGreaterThan(0);
      }
      if (path === "/chat-and-summarize") expect(events.find((e) => e.event === "done" && e.data.step === "summarize")?.data.summary).toMatch(/^Summary: You asked:/);
    });
    expect(runIds.size).toBe(20);
  }, 30000);

  it("answers 404 with the list of endpoints for an unknown path", async () => {
    const response = await fetch(`${base}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ endpoints: expect.arrayContaining(["/chat"]) });
  });
});

describe("approval flow of the streaming server (real HTTP on 127.0.0.1, chunked-fs store)", () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const { dir } = workdir("chunked-fs", "", "async-local");
    server = createStreamingServer({ cwd: dir, configurationFile: `${dir}/config.yaml` });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const parse = (text: string): SseEvent[] =>
    text
      .split("\n\n")
      .filter((block) => block.trim() !== "")
      .map((block) => {
        const lines = block.split("\n");
        return { event: lines[0]!.slice("event: ".length), data: JSON.parse(lines[1]!.slice("data: ".length)) as Record<string, unknown> };
      });
  const approve = (runId: string, body: string) => fetch(`${base}/approve?run_id=${encodeURIComponent(runId)}`, { method: "POST", body, headers: { "content-type": "application/json" } });

  it("suspends the run for a review, and POST /approve resumes it with the decision and streams the rest", async () => {
    const first = await readStream(`${base}/chat-with-approval?prompt=deploy`);
    const runId = String(first[0]!.data.run_id);
    expect(first.find((e) => e.event === "step_suspended")).toMatchObject({ data: { step: "review", payload: { review: expect.stringContaining("You asked: deploy") } } });
    expect(first.at(-1)).toMatchObject({ event: "pipeline_completed", data: { status: "SUSPENDED" } });
    expect(first.some((e) => e.data.step === "publish")).toBe(false);

    const response = await approve(runId, '{"approved": true}');
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const rest = parse(await response.text());
    expect(rest.find((e) => e.event === "step_skipped")).toMatchObject({ data: { step: "chat" } });
    expect(rest.find((e) => e.event === "done")).toMatchObject({ data: { step: "publish", published: expect.stringContaining("You asked: deploy") } });
    expect(rest.at(-1)).toMatchObject({ event: "pipeline_completed", data: { status: "SUCCESS", run_id: runId } });

    const twice = await approve(runId, '{"approved": true}');
    expect(twice.status).toBe(409);
    expect(await twice.json()).toMatchObject({ code: "E_NOT_SUSPENDED" });
  });

  it("answers 400 for a body that is not JSON and 409 for an unknown run, leaving the suspended run waiting", async () => {
    const first = await readStream(`${base}/chat-with-approval?prompt=wait`);
    const runId = String(first[0]!.data.run_id);
    const bad = await approve(runId, "{approved");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "E_RESUME_DATA_INVALID" });
    const unknown = await approve("no-such-run", "{}");
    expect(unknown.status).toBe(409);
    expect(await unknown.json()).toMatchObject({ code: "E_RUN_NOT_FOUND" });
    const rejected = parse(await (await approve(runId, '{"approved": false, "note": "too risky"}')).text());
    expect(rejected.find((e) => e.event === "done")).toMatchObject({ data: { published: "not published: too risky" } });
  });
});
