/**
 * Retries and hedges are separate spans of one trace: proxyRequest against real HTTP
 * servers on 127.0.0.1, each recording the traceparent and request id it received.
 */
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { proxyRequest } from "../../src/proxy/forward/index.ts";
import { requestIdentity } from "../../src/proxy/request-identity.ts";
import type { Selection } from "../../src/steering/select.ts";
import { compile, makeRoute, poolOf, routeOf } from "./helpers/configs.ts";
import type { RouteInput } from "./helpers/configs.ts";

interface Recorder {
  readonly name: string;
  readonly status: number;
  readonly delayMs: number;
  url: string;
  server: Server | undefined;
  seen: { traceparent: string; requestId: string }[];
}

const failing: Recorder = { name: "failing", status: 503, delayMs: 0, url: "", server: undefined, seen: [] };
const slow: Recorder = { name: "slow", status: 200, delayMs: 400, url: "", server: undefined, seen: [] };
const fast: Recorder = { name: "fast", status: 200, delayMs: 0, url: "", server: undefined, seen: [] };
const recorders = [failing, slow, fast];

beforeAll(async () => {
  for (const r of recorders) {
    const server = createServer((req, res) => {
      r.seen.push({ traceparent: String(req.headers.traceparent), requestId: String(req.headers["x-request-id"]) });
      const timer = setTimeout(() => res.writeHead(r.status).end(r.name), r.delayMs);
      res.on("close", () => clearTimeout(timer));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    r.server = server;
    r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
});

afterAll(async () => {
  for (const r of recorders) {
    r.server?.closeAllConnections();
    await new Promise<void>((resolve) => r.server?.close(() => resolve()));
  }
});

async function run(order: readonly Recorder[], route: Partial<RouteInput>): Promise<string> {
  for (const r of recorders) r.seen = [];
  const config = compile({
    origins: order.map((r) => ({ id: r.name, url: r.url })),
    pools: [{ id: "p", origins: order.map((r) => r.name) }],
    routes: [makeRoute("r", ["p"], route)],
  });
  const pool = poolOf(config, "p");
  const request = new Request("http://edge.test/x", {
    headers: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
  });
  const result = await proxyRequest({
    request,
    url: new URL(request.url),
    route: routeOf(config),
    select: (exclude): Selection | undefined => {
      const next = pool.origins.find((o) => !exclude.has(o.id));
      return next === undefined ? undefined : { pool, origin: next, fallback: false, panic: false };
    },
    forwarded: { clientIp: "203.0.113.9", proto: "http", host: "edge.test" },
    now: Date.now,
    onTryStart: () => undefined,
    onTry: () => undefined,
    mayRetry: true,
    retryAllowed: () => true,
    identity: requestIdentity(request.headers),
  });
  return result.response.text();
}

function spansOf(seen: readonly { traceparent: string }[]): { trace: string; span: string }[] {
  return seen.map(({ traceparent }) => {
    const [, trace = "", span = ""] = traceparent.split("-");
    return { trace, span };
  });
}

describe("trace spans per try", () => {
  it("a retry is a new span of the same trace, with the same request id", async () => {
    expect(await run([failing, fast], {})).toBe("fast");
    const spans = [...spansOf(failing.seen), ...spansOf(fast.seen)];
    expect(spans).toHaveLength(2);
    expect(spans.map((s) => s.trace)).toEqual(["4bf92f3577b34da6a3ce929d0e0e4736", "4bf92f3577b34da6a3ce929d0e0e4736"]);
    expect(spans[0]?.span).not.toBe(spans[1]?.span);
    expect(spans.every((s) => s.span !== "00f067aa0ba902b7")).toBe(true);
    expect(failing.seen[0]?.requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(fast.seen[0]?.requestId).toBe(failing.seen[0]?.requestId);
  });

  it("a hedge is a new span of the same trace", async () => {
    expect(await run([slow, fast], { hedge: { delayMs: 50 } })).toBe("fast");
    const spans = [...spansOf(slow.seen), ...spansOf(fast.seen)];
    expect(spans).toHaveLength(2);
    expect(new Set(spans.map((s) => s.trace)).size).toBe(1);
    expect(spans[0]?.span).not.toBe(spans[1]?.span);
  });
});
