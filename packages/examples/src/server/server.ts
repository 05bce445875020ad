import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { isRunnableError } from "@runnable-ts/sdk";
import { PIPELINES } from "./pipelines";

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

async function stream(req: IncomingMessage, res: ServerResponse, options: ServerOptions): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const make = PIPELINES[url.pathname];
  if (!make || req.method !== "GET") {
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found", endpoints: Object.keys(PIPELINES) }));
    return;
  }
  const controller = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) controller.abort(new Error("the client disconnected"));
  });
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  try {
    for await (const event of make().executeStreaming({ ...options, parameters: parametersOf(url), signal: controller.signal })) {
      // Wait for the socket when it is full: the run pauses its generators meanwhile.
      if (!res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)) await new Promise((r) => res.once("drain", r));
    }
  } catch (error) {
    const code = isRunnableError(error) ? error.code : "E_INTERNAL";
    res.write(`event: error\ndata: ${JSON.stringify({ code, message: (error as Error).message })}\n\n`);
  }
  res.end();
}

/**
 * An HTTP server with one Server-Sent Events endpoint per pipeline (`/chat`,
 * `/chat-and-summarize`, `/chat-and-translate`, `/chat-map-translate`,
 * `/chat-conditional-translate`). Every request runs its own pipeline and streams its events;
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
