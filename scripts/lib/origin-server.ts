/**
 * A stand-in origin for the demo and the end-to-end tests: a real HTTP server on
 * 127.0.0.1 that answers with its id, and that can be made to fail, hang or slow down
 * through control paths, so failover can be shown and tested against real sockets.
 *
 * Paths:
 *   GET /healthz                   200 "ok" (503 in fail mode)
 *   GET /__origin/mode?set=M       M = ok | fail | hang
 *   GET /__origin/latency?ms=N     add N ms before every answer
 *   GET /__origin/fail-regions?set=weur,enam
 *                                  503 to requests whose x-edgeway-probe-region names one of
 *                                  these regions (a probe region's network trouble); set= clears
 *   GET /__origin/stats            { id, requests, mode, latencyMs, failRegions, probesByRegion }
 *   GET /redirect                  302 to /elsewhere (for pass-through tests)
 *   GET /hop-headers               200 with connection-specific fields (Connection names x-hop)
 *   anything else                  200 JSON echo of the request, header x-origin-id
 */
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type OriginMode = "ok" | "fail" | "hang";

export interface OriginOptions {
  readonly id: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  readonly latencyMs?: number;
  /** Called for every counted request (as `requests()` counts them), before the answer. */
  readonly onRequest?: () => void;
}

export interface OriginServer {
  readonly id: string;
  readonly port: number;
  readonly url: string;
  /** Requests served, control paths and health checks excluded. */
  readonly requests: () => number;
  setMode(mode: OriginMode): void;
  setLatency(ms: number): void;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Starts an origin; resolves once it listens. */
export async function startOrigin(options: OriginOptions): Promise<OriginServer> {
  const { id } = options;
  let mode: OriginMode = "ok";
  let latencyMs = options.latencyMs ?? 0;
  let requests = 0;
  /** Probe regions this origin fails for (requests naming them in x-edgeway-probe-region get 503). */
  let failRegions = new Set<string>();
  /** Requests that named a probe region, by region. */
  const probesByRegion: Record<string, number> = {};
  const hanging = new Set<ServerResponse>();

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://origin.invalid");
      const body = await readBody(req);
      if (url.pathname === "/__origin/mode") {
        const next = url.searchParams.get("set");
        if (next !== "ok" && next !== "fail" && next !== "hang") return send(res, 400, "set must be ok, fail or hang\n");
        mode = next;
        for (const r of hanging) r.destroy();
        hanging.clear();
        return send(res, 200, `${id} mode=${mode}\n`);
      }
      if (url.pathname === "/__origin/latency") {
        const ms = Number(url.searchParams.get("ms"));
        if (!Number.isFinite(ms) || ms < 0) return send(res, 400, "ms must be a number >= 0\n");
        latencyMs = ms;
        return send(res, 200, `${id} latency=${latencyMs}ms\n`);
      }
      if (url.pathname === "/__origin/fail-regions") {
        const list = url.searchParams.get("set") ?? "";
        if (!/^[a-z,]*$/.test(list)) return send(res, 400, "set must be a comma-separated list of probe regions, e.g. weur,enam\n");
        failRegions = new Set(list.split(",").filter((r) => r !== ""));
        return send(res, 200, `${id} fails for regions: ${[...failRegions].join(",") || "none"}\n`);
      }
      if (url.pathname === "/__origin/stats") {
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(JSON.stringify({ id, requests, mode, latencyMs, failRegions: [...failRegions], probesByRegion }));
      }
      const probeRegion = req.headers["x-edgeway-probe-region"];
      if (typeof probeRegion === "string") probesByRegion[probeRegion] = (probesByRegion[probeRegion] ?? 0) + 1;
      if (typeof probeRegion === "string" && failRegions.has(probeRegion))
        return send(res, 503, `${id} unreachable from ${probeRegion}\n`, { "x-origin-id": id });
      if (mode === "hang") {
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return;
      }
      if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
      if (url.pathname === "/healthz") return mode === "fail" ? send(res, 503, `${id} failing\n`) : send(res, 200, "ok\n");
      requests++;
      options.onRequest?.();
      if (mode === "fail") return send(res, 503, `${id} failing\n`, { "x-origin-id": id });
      if (url.pathname.endsWith("/redirect")) return send(res, 302, "", { location: "/elsewhere", "x-origin-id": id });
      if (url.pathname.endsWith("/hop-headers"))
        return send(res, 200, "hop\n", {
          "x-origin-id": id,
          connection: "keep-alive, x-hop",
          "x-hop": "for this connection only",
          "proxy-connection": "keep-alive",
        });
      res.writeHead(200, { "content-type": "application/json", "x-origin-id": id, connection: "keep-alive", "keep-alive": "timeout=5" });
      res.end(
        JSON.stringify({
          origin: id,
          method: req.method,
          path: url.pathname,
          query: url.search,
          headers: req.headers,
          bodyLength: body.length,
          body: body.toString("utf8").slice(0, 1024),
        }),
      );
    })().catch((error: unknown) => send(res, 500, `${id} error: ${String(error)}\n`));
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    id,
    port,
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    setMode: (m) => {
      mode = m;
    },
    setLatency: (ms) => {
      latencyMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of hanging) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
