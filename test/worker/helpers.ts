/** Shared helpers for tests that run inside workerd. */
import { exports } from "cloudflare:workers";
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../src/index.ts";

export const ADMIN_TOKEN = "test-admin-token";
/** The read-only admin token (ADMIN_READ_TOKEN in vitest.config.ts): GET, HEAD and POST /config/validate only. */
export const ADMIN_READ_TOKEN = "test-read-token";

/** Calls the admin API with the test token. */
export function admin(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("authorization")) headers.set("authorization", `Bearer ${ADMIN_TOKEN}`);
  return exports.default.fetch(`http://edgeway.test/_edgeway${path}`, { ...init, headers });
}

/** PUTs a config document; returns the response. */
export function putConfig(document: unknown): Promise<Response> {
  return admin("/config", { method: "PUT", body: JSON.stringify(document), headers: { "content-type": "application/json" } });
}

/** PUTs a config document and fails the test unless it is accepted. */
export async function useConfig(document: unknown): Promise<number> {
  const res = await putConfig(document);
  const body = await res.text();
  if (res.status !== 200) throw new Error(`config rejected (${res.status}): ${body}`);
  return (JSON.parse(body) as { version: number }).version;
}

/** Runs one cron round of health probes, as the scheduled trigger would, and waits for it. */
export async function probeRound(): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

/** Sends a request through the data plane. */
export function proxied(path = "/", init: RequestInit & { cf?: Record<string, unknown> } = {}): Promise<Response> {
  return exports.default.fetch(new Request(`http://app.test${path}`, init));
}

/** Sets an origin's behaviour through its control path. */
export async function setOriginMode(originUrl: string, mode: "ok" | "fail" | "hang"): Promise<void> {
  const res = await fetch(`${originUrl}/__origin/mode?set=${mode}`);
  await res.text();
  if (res.status !== 200) throw new Error(`could not set ${originUrl} to ${mode}`);
}

/**
 * Adds `ms` before every answer of a test origin; with `colos`, only to requests whose
 * x-colo-path names one of them (a slow path from those colos). Without `colos` it also
 * clears every per-colo latency.
 */
export async function setOriginLatency(originUrl: string, ms: number, colos?: readonly string[]): Promise<void> {
  const res = await fetch(`${originUrl}/__origin/latency?ms=${ms}${colos === undefined ? "" : `&colo=${colos.join(",")}`}`);
  await res.text();
  if (res.status !== 200) throw new Error(`could not set ${originUrl} to ${ms} ms`);
}

/** Latency steering knobs short enough for decay and exploring to act within seconds of a test. */
export const QUICK_LATENCY = { decaySeconds: 2, exploreIntervalSeconds: 0.5, explorePercent: 5 } as const;

/** Requests served by an origin (health checks and control paths excluded). */
export async function originRequests(originUrl: string): Promise<number> {
  const res = await fetch(`${originUrl}/__origin/stats`);
  return ((await res.json()) as { requests: number }).requests;
}

/** A one-route, one-pool config over the given origins, with an HTTP monitor. */
export function poolConfig(
  origins: Record<string, string>,
  opts: { weights?: Record<string, number>; unhealthyThreshold?: number; healthyThreshold?: number } = {},
): unknown {
  const ids = Object.keys(origins);
  return {
    origins: ids.map((id) => ({ id, url: origins[id], weight: opts.weights?.[id] ?? 1 })),
    monitors: [
      {
        id: "http",
        path: "/healthz",
        timeoutMs: 1000,
        unhealthyThreshold: opts.unhealthyThreshold ?? 2,
        healthyThreshold: opts.healthyThreshold ?? 2,
      },
    ],
    pools: [{ id: "main", origins: ids, monitor: "http" }],
    routes: [{ id: "all", pools: ["main"] }],
  };
}

/** Origins `ids` (urls from `origins`) in one round-robin pool with no monitor, behind one catch-all route "r". */
export function roundRobinConfig(origins: Record<string, string>, ids: readonly string[], poolId = "p"): unknown {
  return {
    origins: ids.map((id) => ({ id, url: origins[id] })),
    pools: [{ id: poolId, origins: ids, steering: "round_robin" }],
    routes: [{ id: "r", pools: [poolId] }],
  };
}
