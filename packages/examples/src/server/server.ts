import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { isRunnableError } from "@runnable-ts/sdk";
import { approvalPipeline, PIPELINES } from "./pipelines";

/** Where the server's runs take their configuration from. */
export interface ServerOptions {
  cwd?: string;
  configurationFile?: string;
}

function parametersOf(url: URL): Record<string, unknown> {
  const prompt = url.searchParams.get("prompt") ?? "hello";
  const languages = url.searchParams.get("languages")?.split(",").filter(Boolean) ?? ["es", "fr"];
  const language = url.searchParams.get("language") ?? "es";
  return { prompt, languages, language };
}

/** Writes the events of a run as Server-Sent Events (waiting for the socket when it is full), then an `error` event if the run failed. */
async function sendEvents(res: ServerResponse, events: AsyncIterable<{ type: string }>): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  try {
    for await (const event of events) {
      // Wait for the socket when it is full: the run pauses its generators meanwhile.
      if (!res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)) await new Promise((r) => res.once("drain", r));
    }
  } catch (error) {
    const code = isRunnableError(error) ? error.code : "E_INTERNAL";
    res.write(`event: error\ndata: ${JSON.stringify({ code, message: (error as Error).message })}\n\n`);
  }
  res.end();
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/** Answers 409 when the run is not waiting for an approval (checked before any event is sent). */
const NOT_WAITING = new Set(["E_NOT_SUSPENDED", "E_STEP_NOT_SUSPENDED", "E_RUN_NOT_FOUND", "E_RUN_ID_INVALID", "E_RESUME_AMBIGUOUS"]);

/**
 * `POST /approve?run_id=<id>` with a JSON body (`{"approved": true}`): resumes the suspended
 * `review` step of a `/chat-with-approval` run with that decision and streams the rest of the
 * run. 400 for a body that is not JSON, 409 for a run that is not waiting for an approval.
 */
async function approve(req: IncomingMessage, res: ServerResponse, url: URL, options: ServerOptions): Promise<void> {
  const runId = url.searchParams.get("run_id");
  if (!runId) return sendJson(res, 400, { code: "E_USAGE", message: "POST /approve?run_id=<id> with a JSON body" });
  let data: unknown;
  try {
    data = JSON.parse(await readBody(req)) as unknown;
  } catch (error) {
    return sendJson(res, 400, { code: "E_RESUME_DATA_INVALID", message: `the body is not JSON: ${(error as Error).message}` });
  }
  const events = approvalPipeline().resumeStreaming(runId, { ...options, step: "review", data })[Symbol.asyncIterator]();
  // The first event (or the refusal) comes before the response is started.
  let first: IteratorResult<{ type: string }>;
  try {
    first = await events.next();
  } catch (error) {
    const code = isRunnableError(error) ? error.code : "E_INTERNAL";
    return sendJson(res, NOT_WAITING.has(code) ? 409 : 500, { code, message: (error as Error).message });
  }
  await sendEvents(res, (async function* () {
    if (!first.done) yield first.value;
    for (let next = await events.next(); !next.done; next = await events.next()) yield next.value;
  })());
}

async function stream(req: IncomingMessage, res: ServerResponse, options: ServerOptions): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (url.pathname === "/approve" && req.method === "POST") return approve(req, res, url, options);
  const make = PIPELINES[url.pathname];
  if (!make || req.method !== "GET") {
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found", endpoints: Object.keys(PIPELINES) }));
    return;
  }
  const controller = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) controller.abort(new Error("the client disconnected"));
  });
  await sendEvents(res, make().executeStreaming({ ...options, parameters: parametersOf(url), signal: controller.signal }));
}

/**
 * An HTTP server with one Server-Sent Events endpoint per pipeline (`/chat`,
 * `/chat-and-summarize`, `/chat-and-translate`, `/chat-map-translate`,
 * `/chat-conditional-translate`, `/chat-with-approval`) and `POST /approve?run_id=…`, which
 * resumes a `/chat-with-approval` run waiting for a review. Every request runs its own pipeline and streams its events;
 * a client that disconnects cancels its run. Query: `prompt`, `languages` (comma list), `language`.
 */
export function createStreamingServer(options: ServerOptions = {}): Server {
  return createServer((req, res) => {
    stream(req, res, options).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
}

if (require.main === module) {
  const port = Number(process.env.PORT ?? 8000);
  createStreamingServer().listen(port, "127.0.0.1", () => console.log(`streaming on http://127.0.0.1:${port}/chat?prompt=hi`));
}
