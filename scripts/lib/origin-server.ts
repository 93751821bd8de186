/**
 * A stand-in origin for the demo and the end-to-end tests: a real HTTP server on
 * 127.0.0.1 that answers with its id, and that can be made to fail, hang or slow down
 * through control paths, so failover can be shown and tested against real sockets.
 *
 * Paths:
 *   GET /healthz                   200 "ok" (503 in fail mode)
 *   GET /__origin/mode?set=M       M = ok | fail | hang
 *   GET /__origin/mode?set=fail&colo=FRA,SIN   fail only requests whose x-colo-path is FRA or SIN
 *                                  (the many-colo harness's stand-in for a broken network
 *                                  path from one colo; probes carry no such header)
 *   GET /__origin/latency?ms=N     add N ms before every answer
 *   GET /__origin/latency?ms=N&colo=FRA,SIN   add N ms only to requests whose x-colo-path
 *                                  is FRA or SIN (a slow path from those colos); ms=N alone
 *                                  clears every per-colo latency
 *   GET /__origin/load?set=V       send `endpoint-load-metrics: V` (an ORCA load report) with every
 *                                  counted answer; without `set`, stop sending it
 *   GET /__origin/fail-regions?set=weur,enam
 *                                  503 to requests whose x-edgeway-probe-region names one of
 *                                  these regions (a probe region's network trouble); set= clears
 *   GET /__origin/stats            { id, requests, mode, latencyMs, loadReport, failRegions, probesByRegion, websockets }
 *   GET /__origin/received         the echoes of the last RECEIVED_KEPT requests answered with an echo, oldest first
 *                                  (what a mirror's copies looked like when they arrived)
 *   GET /redirect                  302 to /elsewhere (for pass-through tests)
 *   GET /hop-headers               200 with connection-specific fields (Connection names x-hop)
 *   GET /sse?stream=S&events=N     server-sent events: event 0 at once, then holds until
 *                                  /__origin/release?stream=S, then one event every 100 ms
 *   GET /__origin/release?stream=S lets stream S go on; /__origin/streams?stream=S: { sent, finished }
 *   POST /upload-hash              streams the body into SHA-256: { origin, bytes, sha256 }
 *   GET /gzip                      a gzip-encoded body with Content-Length and ETag
 *   WebSocket upgrade (any path)   echoes each message as "<id>:<message>" (refused with 503 in fail mode)
 *   anything else                  200 JSON echo of the request, header x-origin-id
 */
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { WebSocketServer } from "ws";
import { handleStreamControl, serveEvents } from "./origin-streams.ts";
import type { Streams } from "./origin-streams.ts";

export type OriginMode = "ok" | "fail" | "hang";

/** How many echoed requests an origin keeps for /__origin/received. */
export const RECEIVED_KEPT = 100;

/**
 * The header the many-colo harness's clients send with the colo they come through, so an
 * origin can fail for one colo only (scripts/lib/colos/harness.ts). Edgeway forwards it
 * like any other request header.
 */
export const COLO_PATH_HEADER = "x-colo-path";

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
  /** WebSockets open on this origin now. */
  readonly websockets: () => number;
  /** `onlyColos`: the mode applies only to requests whose x-colo-path names one of these colos; the rest are served. */
  setMode(mode: OriginMode, onlyColos?: string | readonly string[]): void;
  setLatency(ms: number): void;
  /** The `endpoint-load-metrics` value sent with every counted answer; undefined sends none. */
  setLoadReport(value: string | undefined): void;
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
  /** Colos the mode applies to (every request when undefined). */
  let onlyColos: ReadonlySet<string> | undefined;
  const colosOf = (value: string | readonly string[] | undefined): ReadonlySet<string> | undefined =>
    value === undefined ? undefined : new Set((typeof value === "string" ? value.split(",") : value).map((c) => c.trim().toUpperCase()));
  let latencyMs = options.latencyMs ?? 0;
  /** Latency for requests from given colos (x-colo-path), instead of latencyMs. */
  let latencyByColo = new Map<string, number>();
  let requests = 0;
  let loadReport: string | undefined;
  /** Probe regions this origin fails for (requests naming them in x-edgeway-probe-region get 503). */
  let failRegions = new Set<string>();
  /** Requests that named a probe region, by region. */
  const probesByRegion: Record<string, number> = {};
  const hanging = new Set<ServerResponse>();
  /** The last RECEIVED_KEPT echoes sent, oldest first. */
  const received: unknown[] = [];
  const streams: Streams = new Map();
  const sockets = new WebSocketServer({ noServer: true });

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://origin.invalid");
      if (handleStreamControl(streams, url, res)) return;
      if (url.pathname === "/upload-hash" && mode === "ok") {
        requests++;
        options.onRequest?.();
        const hash = createHash("sha256");
        let bytes = 0;
        for await (const chunk of req) {
          hash.update(chunk as Buffer);
          bytes += (chunk as Buffer).length;
        }
        res.writeHead(200, { "content-type": "application/json", "x-origin-id": id });
        return res.end(JSON.stringify({ origin: id, bytes, sha256: hash.digest("hex") }));
      }
      const body = await readBody(req);
      if (url.pathname === "/__origin/mode") {
        const next = url.searchParams.get("set");
        if (next !== "ok" && next !== "fail" && next !== "hang") return send(res, 400, "set must be ok, fail or hang\n");
        const colos = colosOf(url.searchParams.get("colo") ?? undefined);
        if (colos !== undefined && [...colos].some((c) => !/^[A-Z]{3}$/.test(c)))
          return send(res, 400, "colo must be three-letter codes separated by commas\n");
        mode = next;
        onlyColos = colos;
        for (const r of hanging) r.destroy();
        hanging.clear();
        return send(res, 200, `${id} mode=${mode}${onlyColos === undefined ? "" : ` for ${[...onlyColos].join(",")}`}\n`);
      }
      if (url.pathname === "/__origin/latency") {
        const ms = Number(url.searchParams.get("ms"));
        if (!Number.isFinite(ms) || ms < 0) return send(res, 400, "ms must be a number >= 0\n");
        const colos = colosOf(url.searchParams.get("colo") ?? undefined);
        if (colos === undefined) {
          latencyMs = ms;
          latencyByColo = new Map();
          return send(res, 200, `${id} latency=${latencyMs}ms\n`);
        }
        for (const colo of colos) latencyByColo.set(colo, ms);
        return send(res, 200, `${id} latency=${ms}ms for ${[...colos].join(",")}\n`);
      }
      if (url.pathname === "/__origin/load") {
        loadReport = url.searchParams.get("set") ?? undefined;
        return send(res, 200, `${id} load report ${loadReport === undefined ? "off" : JSON.stringify(loadReport)}\n`);
      }
      if (url.pathname === "/__origin/fail-regions") {
        const list = url.searchParams.get("set") ?? "";
        if (!/^[a-z,]*$/.test(list)) return send(res, 400, "set must be a comma-separated list of probe regions, e.g. weur,enam\n");
        failRegions = new Set(list.split(",").filter((r) => r !== ""));
        return send(res, 200, `${id} fails for regions: ${[...failRegions].join(",") || "none"}\n`);
      }
      if (url.pathname === "/__origin/received") {
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(JSON.stringify(received));
      }
      if (url.pathname === "/__origin/stats") {
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(
          JSON.stringify({
            id,
            requests,
            mode,
            ...(onlyColos === undefined ? {} : { onlyColos: [...onlyColos] }),
            latencyMs,
            ...(latencyByColo.size === 0 ? {} : { latencyByColo: Object.fromEntries(latencyByColo) }),
            loadReport: loadReport ?? null,
            failRegions: [...failRegions],
            probesByRegion,
            websockets: sockets.clients.size,
          }),
        );
      }
      const probeRegion = req.headers["x-edgeway-probe-region"];
      if (typeof probeRegion === "string") probesByRegion[probeRegion] = (probesByRegion[probeRegion] ?? 0) + 1;
      if (typeof probeRegion === "string" && failRegions.has(probeRegion))
        return send(res, 503, `${id} unreachable from ${probeRegion}\n`, { "x-origin-id": id });
      // A mode for one colo only leaves other colos' requests (and probes) served as in "ok".
      const path = req.headers[COLO_PATH_HEADER];
      const modeHere = onlyColos === undefined || (typeof path === "string" && onlyColos.has(path.toUpperCase())) ? mode : "ok";
      if (modeHere === "hang") {
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return;
      }
      const latencyHere = (typeof path === "string" ? latencyByColo.get(path.toUpperCase()) : undefined) ?? latencyMs;
      if (latencyHere > 0) await new Promise((r) => setTimeout(r, latencyHere));
      if (url.pathname === "/healthz") return modeHere === "fail" ? send(res, 503, `${id} failing\n`) : send(res, 200, "ok\n");
      requests++;
      options.onRequest?.();
      // On every counted answer, as an ORCA server attaches its report to each response.
      if (loadReport !== undefined) res.setHeader("endpoint-load-metrics", loadReport);
      if (modeHere === "fail") return send(res, 503, `${id} failing\n`, { "x-origin-id": id });
      if (url.pathname.endsWith("/redirect")) return send(res, 302, "", { location: "/elsewhere", "x-origin-id": id });
      if (url.pathname.endsWith("/hop-headers"))
        return send(res, 200, "hop\n", {
          "x-origin-id": id,
          connection: "keep-alive, x-hop",
          "x-hop": "for this connection only",
          "proxy-connection": "keep-alive",
        });
      if (url.pathname.endsWith("/sse")) return serveEvents(streams, id, url, res);
      if (url.pathname.endsWith("/gzip")) {
        const zipped = gzipSync(`${id} says hello, compressed\n`.repeat(50));
        res.writeHead(200, {
          "content-type": "text/plain",
          "content-encoding": "gzip",
          "content-length": String(zipped.length),
          etag: `"${id}-v1"`,
          "x-origin-id": id,
        });
        return res.end(zipped);
      }
      res.writeHead(200, { "content-type": "application/json", "x-origin-id": id, connection: "keep-alive", "keep-alive": "timeout=5" });
      const echo = {
        origin: id,
        method: req.method,
        path: url.pathname,
        query: url.search,
        headers: req.headers,
        bodyLength: body.length,
        body: body.toString("utf8").slice(0, 1024),
      };
      received.push(echo);
      if (received.length > RECEIVED_KEPT) received.shift();
      res.end(JSON.stringify(echo));
    })().catch((error: unknown) => send(res, 500, `${id} error: ${String(error)}\n`));
  });
  server.keepAliveTimeout = 5_000;
  server.on("upgrade", (req, socket, head) => {
    if (mode !== "ok") {
      socket.end(`HTTP/1.1 503 Service Unavailable\r\nx-origin-id: ${id}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
      return;
    }
    requests++;
    options.onRequest?.();
    sockets.handleUpgrade(req, socket, head, (ws) => {
      ws.on("message", (data, binary) => {
        ws.send(binary ? data : `${id}:${String(data)}`, { binary });
      });
    });
  });

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
    websockets: () => sockets.clients.size,
    setMode: (m, colos) => {
      mode = m;
      onlyColos = colosOf(colos);
      for (const r of hanging) r.destroy();
      hanging.clear();
    },
    setLatency: (ms) => {
      latencyMs = ms;
    },
    setLoadReport: (value) => {
      loadReport = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of hanging) r.destroy();
        for (const ws of sockets.clients) ws.terminate();
        for (const stream of streams.values()) stream.release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
