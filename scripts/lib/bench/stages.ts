/**
 * The request path's cost per stage, in Node, with the core's inputs: each route's
 * compiled plan (src/request/plan.ts) runs on requests built here, and every stage is
 * timed on its own. The forward stage runs against a canned origin response (the global
 * fetch answers at once), so it prices Edgeway's own work around the fetch: the outgoing
 * headers, the timer, the try's bookkeeping and the client's response. Three routes: `lean`
 * (every optional feature off: the plan's core), `lean-forwarded` (the same with the
 * route's RFC 7239 Forwarded field on, to price it) and `full` (header affinity, a hash pool, a
 * load-aware pool, latency route steering and the debug geo header).
 *
 * Node is not workerd: the runtime's own calls (Headers, fetch, timers) cost differently
 * there, so read the figures to compare stages and commits on one machine; the load test
 * (`npm run loadtest`) gives the cost on workerd.
 */
import { registerWorkersStub } from "../workers-stub.ts";

registerWorkersStub();

const { compileConfig } = await import("../../../src/config/compile.ts");
const { validateConfig } = await import("../../../src/config/validate.ts");
const { isolate } = await import("../../../src/isolate.ts");
const { compilePlan } = await import("../../../src/request/plan.ts");
const { RequestContext } = await import("../../../src/request/stage.ts");
const { handleDataPlane } = await import("../../../src/data-plane.ts");

type Env = Parameters<typeof compilePlan>[1];

/** One stage's mean cost per request. */
export interface StageCost {
  readonly route: string;
  readonly stage: string;
  readonly meanNs: number;
}

const ORIGINS = ["o1", "o2", "o3"];

function config(): unknown {
  return {
    origins: ORIGINS.map((id, i) => ({ id, url: `http://127.0.0.1:${9101 + i}`, weight: i + 1, region: "aws:us-east-1" })),
    pools: [
      { id: "weighted", origins: ORIGINS },
      { id: "hashed", origins: ORIGINS, steering: "hash", hash: { header: "x-user" } },
      { id: "loaded", origins: ORIGINS, loadAware: {} },
    ],
    routes: [
      { id: "lean", match: { pathPrefix: "/lean" }, pools: ["weighted"] },
      // The lean route with the RFC 7239 Forwarded field (off by default): the difference is what it costs.
      { id: "lean-forwarded", match: { pathPrefix: "/lean-forwarded" }, pools: ["weighted"], forwarded: true },
      {
        id: "full",
        match: { pathPrefix: "/full" },
        pools: ["hashed", "loaded"],
        steering: "latency",
        affinity: { type: "header", name: "x-session" },
      },
    ],
  };
}

/** An origin that answers at once, as a fast origin would, with the headers a real one sends. */
function cannedFetch(): typeof fetch {
  const body = "ok";
  return (async () =>
    new Response(body, {
      status: 200,
      headers: { "content-type": "text/plain", "content-length": "2", date: new Date(0).toUTCString(), "keep-alive": "timeout=5" },
    })) as typeof fetch;
}

/** A Durable Object namespace whose objects answer every call with nothing (the traffic report's every few seconds). */
const silentObject = new Proxy({}, { get: () => async (): Promise<undefined> => undefined });
const silentNamespace = { idFromName: () => ({}), get: () => silentObject, getByName: () => silentObject };
/** Bindings the request path reaches in the background: KV re-reads (no newer config) and traffic reports. */
const BINDINGS = {
  CONFIG: { get: async (): Promise<null> => null },
  ORIGIN_STATE: silentNamespace,
  COLO_AGGREGATOR: silentNamespace,
};

const waitUntil = { waitUntil: (p: Promise<unknown>): void => void p.catch(() => undefined) };

function request(path: string, i: number): Request {
  return new Request(`https://api.example.com${path}/item?n=${i}`, {
    headers: {
      accept: "*/*",
      "user-agent": "bench",
      "cf-connecting-ip": `203.0.113.${i % 250}`,
      "x-user": `user-${i % 64}`,
      "x-session": `s-${i % 32}`,
      "x-edgeway-debug-geo": "colo=FRA; country=DE; continent=EU; lat=50.1; lon=8.7",
    },
  });
}

/** Times every stage of `route`'s plan over `n` requests, after `warmup` untimed ones. */
async function timeStages(env: Env, routeId: string, n: number, warmup: number): Promise<StageCost[]> {
  const loaded = isolate.config.current;
  if (loaded === undefined) throw new Error("no config installed");
  const route = loaded.compiled.routes.find((r) => r.id === routeId);
  if (route === undefined) throw new Error(`no route ${routeId}`);
  const plan = compilePlan(route, env);
  const totals = new Float64Array(plan.stages.length);
  for (let i = 0; i < warmup + n; i++) {
    const req = request(`/${routeId}`, i);
    const url = new URL(req.url);
    const context = new RequestContext(req, env, waitUntil, Date.now(), url, loaded.compiled, loaded.compiled, route, plan);
    context.host = url.host;
    context.proto = url.protocol.slice(0, -1);
    for (let s = 0; s < plan.stages.length; s++) {
      const stage = plan.stages[s];
      if (stage === undefined || (context.answered && stage.always !== true)) continue;
      const t0 = performance.now();
      let result = stage.run(context);
      if (result instanceof Promise) result = await result;
      const dt = performance.now() - t0;
      if (result !== undefined) context.answer(result);
      if (i >= warmup) totals[s] = (totals[s] ?? 0) + dt;
    }
    await context.response?.body?.cancel();
  }
  return plan.stages.map((stage, s) => ({ route: routeId, stage: stage.name, meanNs: ((totals[s] ?? 0) * 1e6) / n }));
}

/** The whole request path per request (conductor, match and plan), through handleDataPlane. */
async function timeWhole(env: Env, routeId: string, n: number, warmup: number): Promise<StageCost> {
  let total = 0;
  for (let i = 0; i < warmup + n; i++) {
    const req = request(`/${routeId}`, i);
    const t0 = performance.now();
    const response = await handleDataPlane(req, env, waitUntil);
    const dt = performance.now() - t0;
    if (response.status !== 200) throw new Error(`route ${routeId} answered ${response.status}: ${await response.text()}`);
    await response.body?.cancel();
    if (i >= warmup) total += dt;
  }
  return { route: routeId, stage: "whole request (handleDataPlane)", meanNs: (total * 1e6) / n };
}

/** Every stage's cost on the lean and the full route, and each route's whole request. */
export async function benchStages(n = 20_000, warmup = 5_000): Promise<StageCost[]> {
  const validated = validateConfig(config());
  if (!validated.ok) throw new Error(`the stage benchmark's config does not validate: ${JSON.stringify(validated.issues)}`);
  const compiled = compileConfig(validated.config, 1);
  isolate.config.install({ compiled, envelope: { version: 1, document: validated.config, updatedAt: new Date(0).toISOString() } }, 0);
  // A snapshot that stays fresh for the run: no Durable Object is asked.
  isolate.health.set({ generatedAt: 0, origins: {} }, Number.MAX_SAFE_INTEGER / 2);
  const realFetch = globalThis.fetch;
  globalThis.fetch = cannedFetch();
  const env = { ...BINDINGS, EDGEWAY_DEBUG_HEADERS: "false" } as unknown as Env;
  const debugEnv = { ...BINDINGS, EDGEWAY_DEBUG_HEADERS: "true" } as unknown as Env;
  try {
    const results: StageCost[] = [];
    results.push(...(await timeStages(env, "lean", n, warmup)), await timeWhole(env, "lean", n, warmup));
    const withForwarded = await timeStages(env, "lean-forwarded", n, warmup);
    results.push(...withForwarded.filter((c) => c.stage === "forward"), await timeWhole(env, "lean-forwarded", n, warmup));
    results.push(...(await timeStages(debugEnv, "full", n, warmup)), await timeWhole(debugEnv, "full", n, warmup));
    return results;
  } finally {
    globalThis.fetch = realFetch;
  }
}

/** The per-stage table: µs per request for each stage of each route's plan. */
export function stageTable(costs: readonly StageCost[]): string {
  const rows = costs.map((c) => `| ${c.route} | ${c.stage} | ${(c.meanNs / 1_000).toFixed(2)} |`);
  return [
    "Request path per stage (Node, canned origin response; the lean route is the plan's core):",
    "",
    "| route | stage | µs per request |",
    "| --- | --- | ---: |",
    ...rows,
  ].join("\n");
}
