import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CACHE_RUN_ID, renderTimelineHtml, timelineModel } from "@runnable-ts/runtime";
import type { CatalogService, RunLog, RunLogStore } from "@runnable-ts/sdk";
import { UI_PAGE } from "./ui-page";

/** What the web UI reads: the configured run-log store (and the catalog, for execution logs). */
export interface UiSources {
  store: RunLogStore;
  catalog?: CatalogService | undefined;
}

/** Options of {@link startUi}. */
export interface UiOptions {
  /** Default 127.0.0.1: the UI is for this machine unless told otherwise. */
  host?: string | undefined;
  /** Default 4300; 0 picks a free port. */
  port?: number | undefined;
  /** How often a live view polls the store for changes (ms; default 500). */
  pollMs?: number | undefined;
}

/** A running UI server. */
export interface UiServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** A line of the runs list. */
interface RunRow {
  run_id: string;
  status: string;
  tag: string;
  start: string;
  duration_ms: number;
}

const FINISHED = new Set(["SUCCESS", "FAIL"]);

/** The run log as the UI shows it: the run config reduced to where it came from (no environment, no values of services' settings). */
function shown(log: RunLog): unknown {
  const c = log.run_config;
  const pick = (k: string): unknown => c[k];
  return {
    ...log,
    run_config: {
      execution_mode: pick("execution_mode"),
      pipeline_definition_file: pick("pipeline_definition_file"),
      configuration_file: pick("configuration_file"),
      services: pick("services"),
      retries: pick("retries"),
    },
  };
}

/**
 * Serves the read-only web UI: `GET /` (the page), `/api/runs[?status=]` (newest first),
 * `/api/runs/<id>`, `/api/runs/<id>/stream` (server-sent events while the run changes, polled
 * from the store so runs of other processes show too), `/api/runs/<id>/log?step=&attempt=`
 * (an execution log) and `/runs/<id>/timeline` (the timeline page). Anything but GET is refused.
 */
export async function startUi(sources: UiSources, options: UiOptions = {}): Promise<UiServer> {
  const { store, catalog } = sources;
  const pollMs = options.pollMs ?? 500;
  const summaries = new Map<string, RunRow>();
  const streams = new Set<ServerResponse>();

  const read = async (runId: string): Promise<RunLog | undefined> => {
    if (!(await store.exists(runId))) return undefined;
    await store.refresh?.(runId);
    return store.getRunLog(runId);
  };
  const rowOf = async (runId: string, status: string, tag: string): Promise<RunRow> => {
    const cached = summaries.get(runId);
    if (cached && cached.status === status && FINISHED.has(status)) return cached;
    const log = await read(runId);
    const model = log ? timelineModel(log) : undefined;
    const row = { run_id: runId, status: log?.status ?? status, tag, start: model?.startedAt ?? "", duration_ms: model?.duration ?? 0 };
    summaries.set(runId, row);
    return row;
  };

  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
    res.end(JSON.stringify(body));
  };

  const stream = async (res: ServerResponse, runId: string): Promise<void> => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
    streams.add(res);
    let last = "";
    let open = true;
    res.on("close", () => {
      open = false;
      streams.delete(res);
    });
    while (open) {
      const log = await read(runId).catch(() => undefined);
      if (log) {
        const text = JSON.stringify(shown(log));
        if (text !== last) {
          last = text;
          res.write(`event: runlog\ndata: ${text}\n\n`);
        }
        if (FINISHED.has(log.status)) {
          res.write("event: done\ndata: {}\n\n");
          break;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    streams.delete(res);
    res.end();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" });
      res.end("read-only");
      return;
    }
    const url = new URL(req.url ?? "/", "http://ui.invalid");
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (parts.length === 0) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      res.end(UI_PAGE);
      return;
    }
    if (parts[0] === "api" && parts[1] === "runs" && parts.length === 2) {
      const wanted = url.searchParams.get("status");
      const runs = await store.listRuns();
      // The step cache is a pseudo-run of the store, not a run.
      const rows = await Promise.all(runs.filter((r) => r.run_id !== CACHE_RUN_ID && (!wanted || r.status === wanted)).map((r) => rowOf(r.run_id, r.status, r.tag)));
      rows.sort((a, b) => (b.start || "9").localeCompare(a.start || "9"));
      return json(res, 200, rows);
    }
    if (parts[0] === "api" && parts[1] === "runs" && parts[2]) {
      const runId = parts[2];
      if (parts.length === 3) {
        const log = await read(runId);
        return log ? json(res, 200, shown(log)) : json(res, 404, { error: `no run ${runId}` });
      }
      if (parts[3] === "stream") return stream(res, runId);
      if (parts[3] === "log") {
        const step = url.searchParams.get("step") ?? "";
        const attempt = Number(url.searchParams.get("attempt") ?? "1");
        try {
          const bytes = await catalog!.getBytes(runId, `${step}.attempt${attempt}.execution.log`);
          res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
          res.end(Buffer.from(bytes));
        } catch {
          res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
          res.end("no execution log (the task printed nothing)");
        }
        return;
      }
    }
    if (parts[0] === "runs" && parts[1] && parts[2] === "timeline") {
      const log = await read(parts[1]);
      if (!log) return json(res, 404, { error: `no run ${parts[1]}` });
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      res.end(renderTimelineHtml(log));
      return;
    }
    json(res, 404, { error: "not found" });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: (error as Error)?.message ?? String(error) });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 4300, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    server,
    close: async () => {
      for (const res of streams) res.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
