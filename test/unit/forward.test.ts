/**
 * proxyRequest against real HTTP servers on 127.0.0.1 (Node's fetch, as the Worker's):
 * retries by condition, method and body size, the retry budget, hedging and deadlines.
 */
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { proxyRequest } from "../../src/proxy/forward.ts";
import type { ProxyInput, ProxyResult, TryOutcome } from "../../src/proxy/forward.ts";
import type { Selection } from "../../src/steering/select.ts";
import { compile, makeRoute, poolOf, routeOf } from "./helpers/configs.ts";
import type { RouteInput } from "./helpers/configs.ts";

type Behaviour = "ok" | "fail503" | "status" | "slow" | "echo" | "reset";

/** A test origin: what it does, and what it saw. */
interface TestOrigin {
  readonly name: string;
  readonly behaviour: Behaviour;
  url: string;
  server: Server | undefined;
  hits: number;
  /** Requests whose client went away before the answer was sent. */
  aborted: number;
  bodies: Uint8Array[];
}

function origin(name: string, behaviour: Behaviour): TestOrigin {
  return { name, behaviour, url: "", server: undefined, hits: 0, aborted: 0, bodies: [] };
}

const ok = origin("ok", "ok");
const ok2 = origin("ok2", "ok");
const fail = origin("fail", "fail503");
const status = origin("status", "status");
const slow = origin("slow", "slow");
const echo = origin("echo", "echo");
const reset = origin("reset", "reset");
const servers = [ok, ok2, fail, status, slow, echo, reset];
/** A port nothing listens on: taken from a server that was closed. */
const dead: TestOrigin = origin("dead", "ok");

const SLOW_MS = 300;

async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

function later(ms: number, res: ServerResponse, o: TestOrigin, send: () => void): void {
  const timer = setTimeout(() => {
    if (!res.destroyed) send();
  }, ms);
  res.on("close", () => {
    clearTimeout(timer);
    if (!res.writableFinished) o.aborted++;
  });
}

async function handle(o: TestOrigin, req: IncomingMessage, res: ServerResponse): Promise<void> {
  o.hits++;
  if (o.behaviour === "reset") {
    req.socket.destroy();
    return;
  }
  const body = await readBody(req);
  o.bodies.push(body);
  const query = new URL(req.url ?? "/", "http://x").searchParams;
  switch (o.behaviour) {
    case "ok":
      res.writeHead(200, { "content-type": "text/plain" }).end(`served by ${o.name}`);
      return;
    case "fail503":
      res.writeHead(503, { "content-type": "text/plain" }).end(`${o.name} is unavailable`);
      return;
    case "status": {
      const code = Number(query.get("status") ?? "200");
      later(Number(query.get("delay") ?? "0"), res, o, () =>
        res.writeHead(code, { "content-type": "text/plain" }).end(`${o.name} says ${code}`),
      );
      return;
    }
    case "slow":
      later(SLOW_MS, res, o, () => res.writeHead(200, { "content-type": "text/plain" }).end(`served by ${o.name}`));
      return;
    case "echo":
      res
        .writeHead(200, {
          "content-type": "application/octet-stream",
          "x-method": req.method ?? "",
          "x-seen-forwarded-host": String(req.headers["x-forwarded-host"]),
        })
        .end(body);
      return;
  }
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

beforeAll(async () => {
  for (const o of servers) {
    const server = createServer((req, res) => void handle(o, req, res));
    o.server = server;
    o.url = await listen(server);
  }
  const closed = createServer();
  dead.url = await listen(closed);
  await close(closed);
});

afterAll(async () => {
  for (const o of servers) if (o.server !== undefined) await close(o.server);
});

beforeEach(() => {
  for (const o of [...servers, dead]) {
    o.hits = 0;
    o.aborted = 0;
    o.bodies = [];
  }
});

interface Run {
  readonly result: ProxyResult;
  readonly outcomes: TryOutcome[];
  readonly started: string[];
  readonly text: string;
  readonly bytes: Uint8Array;
  /** How often retryAllowed was asked. */
  readonly budgetAsks: number;
}

interface RunOptions {
  readonly route?: Partial<RouteInput>;
  readonly init?: RequestInit;
  readonly path?: string;
  readonly mayRetry?: boolean;
  readonly retryAllowed?: boolean;
}

/**
 * Proxies one request over a pool of `origins` (tried in the order given), with a select
 * that walks that order skipping the origins already tried.
 */
async function run(origins: readonly TestOrigin[], options: RunOptions = {}): Promise<Run> {
  const config = compile({
    origins: origins.map((o) => ({ id: o.name, url: o.url })),
    pools: [{ id: "p", origins: origins.map((o) => o.name) }],
    routes: [makeRoute("r", ["p"], options.route ?? {})],
  });
  const route = routeOf(config);
  const pool = poolOf(config, "p");
  const select = (exclude: ReadonlySet<string>): Selection | undefined => {
    const next = pool.origins.find((o) => !exclude.has(o.id));
    return next === undefined ? undefined : { pool, origin: next, fallback: false, panic: false };
  };
  const outcomes: TryOutcome[] = [];
  const started: string[] = [];
  let budgetAsks = 0;
  const request = new Request(`http://edge.test${options.path ?? "/x"}`, options.init);
  const input: ProxyInput = {
    request,
    url: new URL(request.url),
    route,
    select,
    forwarded: { clientIp: "203.0.113.9", proto: "http", host: "edge.test" },
    now: Date.now,
    onTryStart: (selection) => started.push(selection.origin.id),
    onTry: (outcome) => outcomes.push(outcome),
    mayRetry: options.mayRetry ?? true,
    retryAllowed: () => {
      budgetAsks++;
      return options.retryAllowed ?? true;
    },
  };
  const result = await proxyRequest(input);
  const bytes = new Uint8Array(await result.response.arrayBuffer());
  return { result, outcomes, started, text: new TextDecoder().decode(bytes), bytes, budgetAsks };
}

/** What onTry heard, in a form that reads well in a failing assertion. */
function summary(outcomes: readonly TryOutcome[]): string[] {
  return outcomes.map(
    (o) =>
      `${o.selection.origin.id}:${o.kind}${o.status === undefined ? "" : `:${o.status}`}${o.retried ? ":retried" : ""}${o.hedge ? ":hedge" : ""}`,
  );
}

function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 131 + seed * 7 + (i >> 8)) & 0xff;
  return out;
}

function streamOf(data: Uint8Array, chunk: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= data.byteLength) controller.close();
      else {
        controller.enqueue(data.slice(offset, offset + chunk));
        offset += chunk;
      }
    },
  });
}

/** A PUT (or other method) with a streamed body and no Content-Length. */
function chunkedInit(method: string, data: Uint8Array): RequestInit {
  return { method, body: streamOf(data, 1000), duplex: "half" } as RequestInit;
}

async function eventually(check: () => boolean, ms = 2_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
}

async function errorBody(result: ProxyResult, text: string): Promise<{ error: string; code: string; origin?: string }> {
  expect(result.response.headers.get("content-type")).toContain("application/json");
  return JSON.parse(text) as { error: string; code: string; origin?: string };
}

describe("proxyRequest: retry conditions", () => {
  it("retries a connect failure on the next origin", async () => {
    const { result, outcomes, text } = await run([dead, ok]);
    expect(result.response.status).toBe(200);
    expect(text).toBe("served by ok");
    expect(summary(outcomes)).toEqual(["dead:connect-failure:retried", "ok:response:200"]);
    expect(result.tries).toBe(2);
    expect(result.response.headers.get("x-edgeway-tries")).toBe("2");
    expect(result.response.headers.get("x-edgeway-origin")).toBe("ok");
    expect(result.retrySkipped).toBeUndefined();
    expect(result.hedged).toBe(false);
  });

  it("counts a socket destroyed by the origin as a connect failure and retries it", async () => {
    const { result, outcomes, text } = await run([reset, ok]);
    expect(text).toBe("served by ok");
    expect(reset.hits).toBe(1);
    expect(summary(outcomes)).toEqual(["reset:connect-failure:retried", "ok:response:200"]);
    expect(result.last?.selection.origin.id).toBe("ok");
  });

  it("retries a 503 and lets the client see only the good answer", async () => {
    const { result, outcomes, started, text } = await run([fail, ok]);
    expect(result.response.status).toBe(200);
    expect(text).toBe("served by ok");
    expect(started).toEqual(["fail", "ok"]);
    expect(summary(outcomes)).toEqual(["fail:response:503:retried", "ok:response:200"]);
  });

  it("does not retry a 500 by default", async () => {
    const { result, outcomes, text } = await run([status, ok], { path: "/x?status=500" });
    expect(result.response.status).toBe(500);
    expect(text).toBe("status says 500");
    expect(ok.hits).toBe(0);
    expect(summary(outcomes)).toEqual(["status:response:500"]);
    expect(result.retrySkipped).toBeUndefined();
    expect(result.response.headers.get("x-edgeway-retry-skipped")).toBeNull();
    expect(result.response.headers.get("x-edgeway-tries")).toBeNull();
  });

  it('retries a 500 with on: ["5xx"]', async () => {
    const { result, outcomes, text } = await run([status, ok], { path: "/x?status=500", route: { retries: { on: ["5xx"] } } });
    expect(result.response.status).toBe(200);
    expect(text).toBe("served by ok");
    expect(summary(outcomes)).toEqual(["status:response:500:retried", "ok:response:200"]);
  });

  it("retries exactly the status codes listed", async () => {
    const route = { retries: { on: ["500", "429"] } };
    expect((await run([status, ok], { path: "/?status=500", route })).text).toBe("served by ok");
    expect((await run([status, ok], { path: "/?status=429", route })).text).toBe("served by ok");
    const notListed = await run([status, ok], { path: "/?status=503", route });
    expect(notListed.result.response.status).toBe(503);
    expect(notListed.text).toBe("status says 503");
    expect(ok.hits).toBe(2);
  });

  it('retries a whole class with on: ["4xx"], but not the other class', async () => {
    const route = { retries: { on: ["4xx"] } };
    expect((await run([status, ok], { path: "/?status=404", route })).text).toBe("served by ok");
    const other = await run([status, ok], { path: "/?status=502", route });
    expect(other.result.response.status).toBe(502);
    expect(ok.hits).toBe(1);
  });

  it("does not retry a connect failure when on does not list it", async () => {
    const { result, text, outcomes } = await run([dead, ok], { route: { retries: { on: ["503"] } } });
    expect(result.response.status).toBe(502);
    expect((await errorBody(result, text)).code).toBe("origin_unreachable");
    expect(ok.hits).toBe(0);
    expect(summary(outcomes)).toEqual(["dead:connect-failure"]);
    expect(result.retrySkipped).toBeUndefined();
  });

  it("retries a per-try timeout on the next origin", async () => {
    const { result, outcomes, text } = await run([slow, ok], { route: { retries: { perTryTimeoutMs: 100 } } });
    expect(text).toBe("served by ok");
    expect(summary(outcomes)).toEqual(["slow:timeout:retried", "ok:response:200"]);
    expect(result.tries).toBe(2);
    await eventually(() => slow.aborted === 1);
    expect(slow.aborted).toBe(1);
  });

  it("stops after retries.attempts and answers with the last failure", async () => {
    const { result, outcomes, text } = await run([fail, dead, ok]);
    expect(result.response.status).toBe(502);
    expect((await errorBody(result, text)).origin).toBe("dead");
    expect(summary(outcomes)).toEqual(["fail:response:503:retried", "dead:connect-failure"]);
    expect(ok.hits).toBe(0);
    expect(result.retrySkipped).toBeUndefined();
    expect(result.response.headers.get("x-edgeway-retry-skipped")).toBeNull();
  });

  it("uses further attempts when configured", async () => {
    const { result, outcomes } = await run([fail, dead, ok], { route: { retries: { attempts: 2 } } });
    expect(result.response.status).toBe(200);
    expect(summary(outcomes)).toEqual(["fail:response:503:retried", "dead:connect-failure:retried", "ok:response:200"]);
    expect(result.response.headers.get("x-edgeway-tries")).toBe("3");
  });

  it("passes the failure through when no other origin is left", async () => {
    const { result, outcomes, budgetAsks } = await run([fail]);
    expect(result.response.status).toBe(503);
    expect(summary(outcomes)).toEqual(["fail:response:503"]);
    expect(result.retrySkipped).toBeUndefined();
    // No origin to retry on: no budget spent on it.
    expect(budgetAsks).toBe(0);
  });

  it("does not retry when mayRetry is false, and reports nothing as skipped", async () => {
    const { result, outcomes } = await run([fail, ok], { mayRetry: false });
    expect(result.response.status).toBe(503);
    expect(summary(outcomes)).toEqual(["fail:response:503"]);
    expect(result.retrySkipped).toBeUndefined();
    expect(result.response.headers.get("x-edgeway-retry-skipped")).toBeNull();
  });

  it("answers 503 no_healthy_origin when steering has no origin at all", async () => {
    const config = compile({
      origins: [{ id: "ok", url: ok.url }],
      pools: [{ id: "p", origins: ["ok"] }],
      routes: [makeRoute("r", ["p"])],
    });
    const result = await proxyRequest({
      request: new Request("http://edge.test/"),
      url: new URL("http://edge.test/"),
      route: routeOf(config),
      select: () => undefined,
      forwarded: { clientIp: undefined, proto: "http", host: "edge.test" },
      now: Date.now,
      onTryStart: () => undefined,
      onTry: () => undefined,
      mayRetry: true,
      retryAllowed: () => true,
    });
    expect(result.response.status).toBe(503);
    expect(result.response.headers.get("x-edgeway-error")).toBe("no_healthy_origin");
    expect(result.tries).toBe(0);
    expect(result.last).toBeUndefined();
  });

  it("leaves out x-edgeway-origin and x-edgeway-tries when exposeOrigin is false", async () => {
    const { result } = await run([dead, ok], { route: { exposeOrigin: false } });
    expect(result.response.status).toBe(200);
    expect(result.response.headers.get("x-edgeway-origin")).toBeNull();
    expect(result.response.headers.get("x-edgeway-tries")).toBeNull();
    expect(result.response.headers.get("server-timing")).toBeNull();
  });
});

describe("proxyRequest: methods and bodies", () => {
  it("does not retry a POST by default, and says so", async () => {
    const { result, outcomes, text } = await run([fail, ok], { init: { method: "POST", body: "order=1" } });
    expect(result.response.status).toBe(503);
    expect(text).toBe("fail is unavailable");
    expect(ok.hits).toBe(0);
    expect(new TextDecoder().decode(fail.bodies[0])).toBe("order=1");
    expect(summary(outcomes)).toEqual(["fail:response:503"]);
    expect(result.retrySkipped).toBe("method");
    expect(result.response.headers.get("x-edgeway-retry-skipped")).toBe("method");
    expect(result.response.headers.get("x-edgeway-tries")).toBeNull();
  });

  it("names the method in Edgeway's own error when a POST cannot connect", async () => {
    const { result, text } = await run([dead, ok], { init: { method: "POST", body: "x" } });
    expect(result.response.status).toBe(502);
    expect(result.response.headers.get("x-edgeway-retry-skipped")).toBe("method");
    expect((await errorBody(result, text)).error).toBe(
      `could not connect to origin "dead" (not retried: retries.methods does not include POST)`,
    );
  });

  it("retries a POST when retries.methods includes it, with the same body", async () => {
    const {
      result,
      bytes: got,
      outcomes,
    } = await run([fail, echo], { init: { method: "POST", body: "order=2" }, route: { retries: { methods: ["GET", "POST"] } } });
    expect(result.response.status).toBe(200);
    expect(result.response.headers.get("x-method")).toBe("POST");
    expect(new TextDecoder().decode(got)).toBe("order=2");
    expect(summary(outcomes)).toEqual(["fail:response:503:retried", "echo:response:200"]);
  });

  it("does not retry a GET the route's methods leave out", async () => {
    const { result } = await run([fail, ok], { route: { retries: { methods: ["PUT"] } } });
    expect(result.response.status).toBe(503);
    expect(result.retrySkipped).toBe("method");
  });

  it("replays a PUT body byte for byte on the retry", async () => {
    const data = bytes(20_000);
    const { result, bytes: got } = await run([fail, echo], {
      init: { method: "PUT", body: data, headers: { "content-length": String(data.byteLength) } },
    });
    expect(result.response.status).toBe(200);
    expect(result.response.headers.get("x-method")).toBe("PUT");
    expect(fail.bodies[0]).toEqual(data);
    expect(got).toEqual(data);
  });

  it("replays a chunked PUT body under the limit", async () => {
    const data = bytes(20_000, 2);
    const { result, bytes: got } = await run([dead, echo], { init: chunkedInit("PUT", data) });
    expect(result.response.status).toBe(200);
    expect(got).toEqual(data);
  });

  it("forwards the X-Forwarded-* fields", async () => {
    const { result } = await run([echo]);
    expect(result.response.headers.get("x-seen-forwarded-host")).toBe("edge.test");
  });

  it("sends a body over maxBodyBytes once, in full, and says why it was not retried", async () => {
    const data = bytes(5_000, 3);
    const { result, outcomes } = await run([fail, echo], {
      init: { method: "PUT", body: data, headers: { "content-length": "5000" } },
      route: { retries: { maxBodyBytes: 1024 } },
    });
    expect(result.response.status).toBe(503);
    expect(summary(outcomes)).toEqual(["fail:response:503"]);
    expect(result.tries).toBe(1);
    expect(echo.hits).toBe(0);
    expect(fail.bodies[0]).toEqual(data);
    expect(result.retrySkipped).toBe("body-too-large");
    expect(result.response.headers.get("x-edgeway-retry-skipped")).toBe("body-too-large");
  });

  it("sends a chunked body over maxBodyBytes once, every byte in order", async () => {
    const data = bytes(12_345, 4);
    const { result } = await run([fail, echo], { init: chunkedInit("PUT", data), route: { retries: { maxBodyBytes: 1024 } } });
    expect(result.response.status).toBe(503);
    expect(echo.hits).toBe(0);
    expect(fail.bodies[0]?.byteLength).toBe(12_345);
    expect(fail.bodies[0]).toEqual(data);
    expect(result.response.headers.get("x-edgeway-retry-skipped")).toBe("body-too-large");
  });

  it("a large body still reaches a healthy origin, and nothing is reported as skipped", async () => {
    const data = bytes(8_000, 5);
    const { result, bytes: got } = await run([echo, ok], { init: chunkedInit("PUT", data), route: { retries: { maxBodyBytes: 100 } } });
    expect(result.response.status).toBe(200);
    expect(got).toEqual(data);
    expect(result.retrySkipped).toBeUndefined();
    expect(result.response.headers.get("x-edgeway-retry-skipped")).toBeNull();
  });

  it("explains an unretried connect failure of a large body in Edgeway's error", async () => {
    const data = bytes(3_000);
    const { result, text } = await run([dead, ok], {
      init: { method: "PUT", body: data, headers: { "content-length": "3000" } },
      route: { retries: { maxBodyBytes: 100 } },
    });
    expect(result.response.status).toBe(502);
    expect(result.response.headers.get("x-edgeway-retry-skipped")).toBe("body-too-large");
    expect((await errorBody(result, text)).error).toBe(
      `could not connect to origin "dead" (not retried: the request body is larger than retries.maxBodyBytes)`,
    );
    expect(ok.hits).toBe(0);
  });
});

describe("proxyRequest: retry budget", () => {
  it("does not retry when retryAllowed refuses, and says so", async () => {
    const { result, outcomes, budgetAsks } = await run([fail, ok], { retryAllowed: false });
    expect(result.response.status).toBe(503);
    expect(budgetAsks).toBe(1);
    expect(ok.hits).toBe(0);
    expect(summary(outcomes)).toEqual(["fail:response:503"]);
    expect(result.retrySkipped).toBe("budget");
    expect(result.response.headers.get("x-edgeway-retry-skipped")).toBe("budget");
    expect(result.response.headers.get("x-edgeway-tries")).toBeNull();
  });

  it("names the budget in Edgeway's own error", async () => {
    const { result, text } = await run([dead, ok], { retryAllowed: false });
    expect(result.response.status).toBe(502);
    expect(result.response.headers.get("x-edgeway-retry-skipped")).toBe("budget");
    expect((await errorBody(result, text)).error).toContain("not retried: the route's retry budget is spent");
  });

  it("asks once per retry", async () => {
    const { result, budgetAsks } = await run([fail, dead, ok], { route: { retries: { attempts: 3 } } });
    expect(result.response.status).toBe(200);
    expect(budgetAsks).toBe(2);
  });

  it("is not asked when the first try succeeds", async () => {
    const { budgetAsks } = await run([ok, ok2]);
    expect(budgetAsks).toBe(0);
  });
});

describe("proxyRequest: hedging", () => {
  const hedge = { hedge: { delayMs: 50 } };

  it("sends a hedge when the first origin is slow; the fast answer wins and the slow try is cancelled", async () => {
    const { result, outcomes, started, text, budgetAsks } = await run([slow, ok], { route: hedge });
    expect(result.response.status).toBe(200);
    expect(text).toBe("served by ok");
    expect(started).toEqual(["slow", "ok"]);
    expect(summary(outcomes)).toEqual(["ok:response:200:hedge", "slow:cancelled"]);
    expect(result.hedged).toBe(true);
    expect(result.tries).toBe(2);
    expect(result.response.headers.get("x-edgeway-tries")).toBe("2");
    expect(result.last?.hedge).toBe(true);
    expect(budgetAsks).toBe(1);
    // The slow origin sees its client go away rather than answering into the void.
    await eventually(() => slow.aborted === 1);
    expect(slow.aborted).toBe(1);
  });

  it("hedges a HEAD too", async () => {
    const { result, outcomes } = await run([slow, ok], { route: hedge, init: { method: "HEAD" } });
    expect(result.response.status).toBe(200);
    expect(result.hedged).toBe(true);
    expect(summary(outcomes)).toEqual(["ok:response:200:hedge", "slow:cancelled"]);
  });

  it("sends no hedge when the first origin answers in time", async () => {
    const { result, outcomes } = await run([ok, ok2], { route: { hedge: { delayMs: 150 } } });
    expect(result.response.status).toBe(200);
    expect(summary(outcomes)).toEqual(["ok:response:200"]);
    expect(result.hedged).toBe(false);
    // Well past the hedge delay: the timer was called off with the answer.
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(ok2.hits).toBe(0);
  });

  it("never hedges a PUT", async () => {
    const { result, outcomes, text } = await run([slow, ok], {
      route: hedge,
      init: { method: "PUT", body: "doc", headers: { "content-length": "3" } },
    });
    expect(text).toBe("served by slow");
    expect(summary(outcomes)).toEqual(["slow:response:200"]);
    expect(result.hedged).toBe(false);
    expect(result.tries).toBe(1);
    expect(ok.hits).toBe(0);
  });

  it("sends no hedge when the budget refuses, and reports no skipped retry", async () => {
    const { result, text } = await run([slow, ok], { route: hedge, retryAllowed: false });
    expect(text).toBe("served by slow");
    expect(result.hedged).toBe(false);
    expect(result.retrySkipped).toBeUndefined();
    expect(ok.hits).toBe(0);
  });

  it("sends no hedge when mayRetry is false or attempts is 0", async () => {
    expect((await run([slow, ok], { route: hedge, mayRetry: false })).text).toBe("served by slow");
    expect((await run([slow, ok], { route: { ...hedge, retries: { attempts: 0 } } })).text).toBe("served by slow");
    expect(ok.hits).toBe(0);
  });

  it("keeps waiting for the first try when the hedge fails, and starts no third try", async () => {
    const { result, outcomes, text } = await run([slow, fail, ok], { route: { ...hedge, retries: { attempts: 3 } } });
    expect(text).toBe("served by slow");
    expect(summary(outcomes)).toEqual(["fail:response:503:hedge", "slow:response:200"]);
    expect(result.tries).toBe(2);
    expect(ok.hits).toBe(0);
  });

  it("retries normally when both the first try and the hedge fail", async () => {
    const { result, outcomes, text } = await run([status, dead, ok], {
      path: "/?status=503&delay=200",
      route: { ...hedge, retries: { attempts: 2 } },
    });
    expect(text).toBe("served by ok");
    expect(summary(outcomes)).toEqual(["dead:connect-failure:hedge", "status:response:503:retried", "ok:response:200"]);
    expect(result.tries).toBe(3);
    expect(result.hedged).toBe(true);
  });

  it("hedges only the first try: a retry after a fast failure is not hedged", async () => {
    const { result, outcomes, text } = await run([dead, slow, ok], { route: { ...hedge, retries: { attempts: 2 } } });
    expect(text).toBe("served by slow");
    expect(summary(outcomes)).toEqual(["dead:connect-failure:retried", "slow:response:200"]);
    expect(result.hedged).toBe(false);
    expect(ok.hits).toBe(0);
  });

  it("counts the hedge against attempts: with one attempt, no retry follows a failed hedge pair", async () => {
    const { result, outcomes } = await run([status, dead, ok], { path: "/?status=503&delay=200", route: hedge });
    expect(result.response.status).toBe(503);
    expect(summary(outcomes)).toEqual(["dead:connect-failure:hedge", "status:response:503"]);
    expect(ok.hits).toBe(0);
    expect(result.retrySkipped).toBeUndefined();
  });
});

describe("proxyRequest: deadline", () => {
  it("answers 504 when the route's deadline passes first", async () => {
    const { result, text, outcomes } = await run([slow], { route: { timeoutMs: 100 } });
    expect(result.response.status).toBe(504);
    expect((await errorBody(result, text)).code).toBe("origin_timeout");
    expect(summary(outcomes)).toEqual(["slow:timeout"]);
    expect(result.response.headers.get("x-edgeway-retry-skipped")).toBeNull();
  });

  it("bounds a hedge by the deadline too", async () => {
    const twoSlow = origin("slow2", "slow");
    const server = createServer((req, res) => void handle(twoSlow, req, res));
    twoSlow.url = await listen(server);
    try {
      const { result, outcomes } = await run([slow, twoSlow], { route: { timeoutMs: 150, hedge: { delayMs: 50 } } });
      expect(result.response.status).toBe(504);
      expect(result.hedged).toBe(true);
      expect(outcomes.map((o) => o.kind)).toEqual(["timeout", "timeout"]);
    } finally {
      await close(server);
    }
  });
});
