/**
 * Test origins for proxyRequest: real HTTP servers on 127.0.0.1 with fixed behaviours
 * (answer, fail, answer slowly, echo, reset the socket), and `run`, which proxies one
 * request over them. A test file calls `useTestOrigins()` once to start and stop them.
 */
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { proxyRequest } from "../../../src/proxy/forward/index.ts";
import type { ProxyInput, ProxyResult, TryOutcome } from "../../../src/proxy/forward/index.ts";
import type { Selection } from "../../../src/steering/select.ts";
import { compile, makeRoute, poolOf, routeOf } from "./configs.ts";
import type { RouteInput } from "./configs.ts";

/** What a test origin does with a request. */
export type Behaviour = "ok" | "fail503" | "status" | "slow" | "echo" | "reset";

/** A test origin: what it does, and what it saw. */
export interface TestOrigin {
  readonly name: string;
  readonly behaviour: Behaviour;
  url: string;
  server: Server | undefined;
  hits: number;
  /** Requests whose client went away before the answer was sent. */
  aborted: number;
  bodies: Uint8Array[];
}

/** A test origin, not yet listening. */
export function origin(name: string, behaviour: Behaviour): TestOrigin {
  return { name, behaviour, url: "", server: undefined, hits: 0, aborted: 0, bodies: [] };
}

/** The shared test origins, listening while a file that calls useTestOrigins runs: ok and ok2 answer 200, fail 503, status the ?status= code after ?delay= ms, slow after SLOW_MS, echo returns the body, reset drops the socket. */
export const ok = origin("ok", "ok");
export const ok2 = origin("ok2", "ok");
export const fail = origin("fail", "fail503");
export const status = origin("status", "status");
export const slow = origin("slow", "slow");
export const echo = origin("echo", "echo");
export const reset = origin("reset", "reset");
const servers = [ok, ok2, fail, status, slow, echo, reset];
/** A port nothing listens on: taken from a server that was closed. */
export const dead: TestOrigin = origin("dead", "ok");

/** How long a "slow" origin waits before it answers. */
export const SLOW_MS = 300;

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

/** Serves one request as the origin's behaviour says, recording what it saw. */
export async function handle(o: TestOrigin, req: IncomingMessage, res: ServerResponse): Promise<void> {
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

/** Listens on a free loopback port; returns the base URL. */
export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes a server and every connection it holds. */
export async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** What one proxied request produced and what the hooks heard. */
export interface Run {
  readonly result: ProxyResult;
  readonly outcomes: TryOutcome[];
  readonly started: string[];
  readonly text: string;
  readonly bytes: Uint8Array;
  /** How often retryAllowed was asked. */
  readonly budgetAsks: number;
}

/** The route settings, request and budget answer for one run. */
export interface RunOptions {
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
export async function run(origins: readonly TestOrigin[], options: RunOptions = {}): Promise<Run> {
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
export function summary(outcomes: readonly TryOutcome[]): string[] {
  return outcomes.map(
    (o) =>
      `${o.selection.origin.id}:${o.kind}${o.status === undefined ? "" : `:${o.status}`}${o.retried ? ":retried" : ""}${o.hedge ? ":hedge" : ""}`,
  );
}

/** `n` bytes of a pattern that differs by seed, so a reordered or mixed body shows. */
export function bytes(n: number, seed = 1): Uint8Array {
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
export function chunkedInit(method: string, data: Uint8Array): RequestInit {
  return { method, body: streamOf(data, 1000), duplex: "half" } as RequestInit;
}

/** Waits (at most `ms`) until `check` holds. */
export async function eventually(check: () => boolean, ms = 2_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Edgeway's JSON error body, checking it is JSON. */
export async function errorBody(result: ProxyResult, text: string): Promise<{ error: string; code: string; origin?: string }> {
  expect(result.response.headers.get("content-type")).toContain("application/json");
  return JSON.parse(text) as { error: string; code: string; origin?: string };
}

/** Starts the test origins before the file's tests, stops them after, and clears what they saw before each test. */
export function useTestOrigins(): void {
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
}
