/**
 * What the rollout tests share: a config with a stable and a canary pool behind one route
 * (real origins from global-setup.ts), the admin calls, sending traffic, and delivering the
 * isolate's traffic report and the object's alarm at once rather than waiting for the
 * 10 s report interval — the object decides exactly as it would, only sooner.
 */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { inject } from "vitest";
import { HealthSnapshotSchema } from "../../src/health/snapshot.ts";
import { isolate } from "../../src/isolate.ts";
import { originStateStub } from "../../src/state/origin-state.ts";
import type { OriginState } from "../../src/state/origin-state.ts";
import { GLOBAL_SHARD } from "../../src/state/shards.ts";
import { REPORT_INTERVAL_MS } from "../../src/state/traffic-report.ts";
import { admin, proxied, useConfig } from "../worker/helpers.ts";

/** A rollout as the API shows it (the fields the tests read). */
export interface RolloutBody {
  readonly id: string;
  readonly route: string;
  readonly to: string;
  readonly state: string;
  readonly weight: number;
  readonly step: number;
  readonly reason: string | null;
  readonly promotedVersion: number | null;
  readonly nextVerdictAt: number | null;
  readonly history: readonly {
    readonly verdict: string;
    readonly decision: string;
    readonly weight: number;
    readonly colo?: string;
    readonly figures: { readonly targetRequests: number; readonly failed: string | null; readonly targetErrorRate: number } | null;
  }[];
}

/** `stable` ([stableId]) and `canary` ([canaryId]) pools behind route "web" (path /web), no monitors. */
export async function canaryConfig(stableId: string, canaryId: string, extra: Record<string, unknown> = {}): Promise<number> {
  const all = inject("origins");
  return useConfig({
    origins: [
      { id: stableId, url: all[stableId] },
      { id: canaryId, url: all[canaryId] },
    ],
    pools: [
      { id: "stable", origins: [stableId] },
      // Outlier detection would take a failing canary out of the split; the analysis is what is tested.
      { id: "canary", origins: [canaryId], outlierDetection: { enabled: false } },
    ],
    routes: [{ id: "web", match: { pathPrefix: "/web" }, pools: ["stable"], retries: { attempts: 2 }, ...extra }],
  });
}

/** POSTs JSON to the admin API. */
export function post(path: string, body?: unknown): Promise<Response> {
  return admin(path, {
    method: "POST",
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
}

/** Starts a rollout and fails the test unless it is accepted. */
export async function startRollout(body: Record<string, unknown>): Promise<RolloutBody> {
  const res = await post("/rollouts", body);
  const text = await res.text();
  if (res.status !== 201) throw new Error(`rollout refused (${res.status}): ${text}`);
  return JSON.parse(text) as RolloutBody;
}

export async function getRollout(id: string): Promise<RolloutBody> {
  const res = await admin(`/rollouts/${id}`);
  if (res.status !== 200) throw new Error(`GET /rollouts/${id}: ${res.status} ${await res.text()}`);
  return (await res.json()) as RolloutBody;
}

/** Sends `n` requests to /web; the origin that answered each (x-edgeway-origin) and its status. */
export async function send(n: number, headers: Record<string, string> = {}): Promise<{ origin: string; status: number }[]> {
  const out: { origin: string; status: number }[] = [];
  for (let i = 0; i < n; i++) {
    const res = await proxied("/web", { headers });
    await res.arrayBuffer();
    out.push({ origin: res.headers.get("x-edgeway-origin") ?? "none", status: res.status });
  }
  return out;
}

/** The reporter's clock as the tests move it: a report interval ahead of the last one handed over. */
let reportClock = 0;

/** Hands this isolate's pending traffic reports (colo "local" unless told) to the object now, as the next reports would. */
export async function deliverReport(colos: readonly string[] = ["local"]): Promise<void> {
  reportClock = Math.max(reportClock, Date.now()) + REPORT_INTERVAL_MS;
  for (const colo of colos) {
    const report = isolate.traffic.get(colo).take(colo, reportClock);
    if (report !== undefined) await originStateStub(env).reportTraffic(report);
  }
}

/** Waits until the rollout's interval has ended, then runs the object's alarm (which judges it). */
export async function judgeInterval(rollout: RolloutBody): Promise<void> {
  const current = await getRollout(rollout.id);
  const due = current.nextVerdictAt ?? Date.now();
  if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now() + 20));
  await runDurableObjectAlarm(objectStub());
}

/** The data plane's object, without the counting proxy (the test helpers want the runtime's own stub). */
export function objectStub(): DurableObjectStub<OriginState> {
  return env.ORIGIN_STATE.get(env.ORIGIN_STATE.idFromName(GLOBAL_SHARD));
}

/** Takes the object's snapshot into this isolate now (other isolates would with their next refresh). */
export async function refreshSnapshot(): Promise<void> {
  isolate.health.set(HealthSnapshotSchema.parse(await originStateStub(env).snapshot()), Date.now());
}
