/** RequestMirror: the share of requests copied, how a copy's one try is counted, and what forwarding leaves for the copy (the headers sent, the body only when buffered). */
import { createServer } from "node:http";
import type { IncomingMessage } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { proxyRequest } from "../../src/proxy/forward/index.ts";
import type { ProxyInput, ProxyResult } from "../../src/proxy/forward/index.ts";
import { compileHeaderEdits } from "../../src/proxy/header-edits.ts";
import { mirrorOutcome, mirrorShare } from "../../src/request/mirror.ts";
import type { Selection } from "../../src/steering/select.ts";
import { compile, makeRoute, poolOf, routeOf } from "./helpers/configs.ts";
import type { RouteInput } from "./helpers/configs.ts";
import { close, listen } from "./helpers/test-origins.ts";

describe("mirrorShare", () => {
  it("is percent / 100, else numerator / denominator, else every request", () => {
    expect(mirrorShare({ pool: "m", percent: 25 })).toBe(0.25);
    expect(mirrorShare({ pool: "m", fraction: { numerator: 1, denominator: 3 } })).toBeCloseTo(1 / 3);
    expect(mirrorShare({ pool: "m" })).toBe(1);
    expect(mirrorShare({ pool: "m", percent: 0 })).toBe(0);
  });
});

describe("mirrorOutcome", () => {
  it("an answer below 500 was sent; a 5xx, connect failure or timeout failed", () => {
    const answer = (status: number) => ({ kind: "response" as const, response: new Response(null, { status }), status });
    expect(mirrorOutcome(answer(200))).toBe("sent");
    expect(mirrorOutcome(answer(404))).toBe("sent");
    expect(mirrorOutcome(answer(503))).toBe("failed");
    expect(mirrorOutcome({ kind: "connect-failure" })).toBe("failed");
    expect(mirrorOutcome({ kind: "timeout" })).toBe("failed");
  });
});

interface Seen {
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

const seen: Seen[] = [];
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    seen.push({ url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  });
});
let origin = "";
beforeAll(async () => {
  origin = await listen(server);
});
afterAll(() => close(server));

async function forward(init: RequestInit, extra: Partial<ProxyInput>, route: Partial<RouteInput> = {}): Promise<ProxyResult> {
  const config = compile({
    origins: [{ id: "a", url: `${origin}/base` }],
    pools: [{ id: "p", origins: ["a"] }],
    routes: [makeRoute("r", ["p"], route)],
  });
  const pool = poolOf(config, "p");
  const request = new Request("http://edge.test/api/users?id=7", init);
  const select = (exclude: ReadonlySet<string>): Selection | undefined =>
    exclude.size === 0 ? { pool, origin: pool.origins[0] as Selection["origin"], fallback: false, panic: false } : undefined;
  const result = await proxyRequest({
    request,
    url: new URL(request.url),
    route: routeOf(config),
    select,
    forwarded: { clientIp: "203.0.113.9", proto: "http", host: "edge.test" },
    now: Date.now,
    onTryStart: () => undefined,
    onTry: () => undefined,
    mayRetry: true,
    retryAllowed: () => true,
    ...extra,
  });
  await result.response.arrayBuffer();
  return result;
}

describe("forwarding on a route with filters", () => {
  it("sends the rewritten path and the edited headers, and hands both to a mirror", async () => {
    seen.length = 0;
    const result = await forward(
      { headers: { "x-drop": "1" } },
      { path: "/v2/users?id=7", requestEdits: compileHeaderEdits({ set: [{ name: "x-env", value: "blue" }], remove: ["x-drop"] }) },
    );
    expect(seen[0]?.url).toBe("/base/v2/users?id=7");
    expect(seen[0]?.headers["x-env"]).toBe("blue");
    expect(seen[0]?.headers["x-drop"]).toBeUndefined();
    expect(result.headers.get("x-env")).toBe("blue");
    // No body at all counts as buffered: a GET can always be mirrored.
    expect(result.body).toBeNull();
  });

  it("buffers a POST body for a mirror without making the POST retryable", async () => {
    seen.length = 0;
    const result = await forward({ method: "POST", body: "order=1" }, { bufferBody: true });
    expect(seen[0]?.body).toBe("order=1");
    expect(new TextDecoder().decode(result.body ?? new ArrayBuffer(0))).toBe("order=1");
    expect(result.tries).toBe(1);
  });

  it("without a mirror a POST body streams and is not left for one", async () => {
    const result = await forward({ method: "POST", body: "order=2" }, {});
    expect(result.body).toBeUndefined();
  });

  it("a body over the replay limit streams once, in full, and is not left for a mirror", async () => {
    seen.length = 0;
    const body = "x".repeat(2_000);
    const result = await forward({ method: "POST", body }, { bufferBody: true }, { retries: { maxBodyBytes: 1_000 } });
    expect(seen[0]?.body).toBe(body);
    expect(result.body).toBeUndefined();
  });
});
