/**
 * What the explanation reads from this isolate — its health snapshot, signals and cookie
 * key — as copies, so explaining moves nothing live.
 */
import { isolate } from "../../isolate.ts";
import type { EdgewayEnv } from "../../env.ts";
import { errorMessage, log } from "../../observe/log.ts";
import { originStateStub } from "../../state/origin-state.ts";
import { withDeadline } from "../../state/deadline.ts";
import { HealthSnapshotSchema } from "../../health/snapshot.ts";
import type { HealthSnapshot } from "../../health/snapshot.ts";
import { SNAPSHOT_TIMEOUT_MS } from "../../state/snapshot-cache.ts";
import { cookieSigningKey, verifyPin } from "../../steering/affinity-cookie.ts";
import type { HealthSource } from "../../steering/explain/index.ts";
import type { SteeringSignals } from "../../steering/types.ts";
import { LatencyTracker } from "../../steering/latency.ts";
import { latencySignals } from "../../steering/latency-colo.ts";
import { mergeLoad } from "../../steering/load-weights.ts";
import type { OriginLoad } from "../../steering/load-weights.ts";
import { SEED_EXPIRY_MS } from "../../steering/load-tracker.ts";
import { poolLiveWeights } from "../../observe/load-view.ts";

/**
 * This isolate's snapshot when fresh; else a fresh one from the Durable Object, installed
 * here as a background refresh would install it (so the explanation and this isolate's
 * next request steer by the same snapshot); else whatever this isolate has.
 */
export async function snapshotFor(
  env: EdgewayEnv,
  colo: string,
  now: number,
): Promise<{ snapshot: HealthSnapshot | undefined; source: HealthSource }> {
  const own = isolate.health.current;
  const ownSource = (): HealthSource =>
    own === undefined ? { source: "none", generatedAt: null } : { source: "isolate", generatedAt: own.generatedAt };
  if (own !== undefined && !isolate.health.isStale(now)) return { snapshot: own, source: ownSource() };
  try {
    const fresh = HealthSnapshotSchema.parse(
      await withDeadline(
        originStateStub(env).snapshot(colo, [...new Set([colo, ...isolate.outliers.colos()])]),
        SNAPSHOT_TIMEOUT_MS,
        "the Durable Object's snapshot",
      ),
    );
    isolate.health.set(fresh, Date.now());
    return { snapshot: fresh, source: { source: "durable_object", generatedAt: fresh.generatedAt } };
  } catch (error) {
    log("warn", "explain_snapshot_unavailable", { message: errorMessage(error) });
    return { snapshot: own, source: ownSource() };
  }
}

/**
 * A frozen copy of this isolate's signals for `colo` at `now`: its latency estimates from
 * that colo, seeded from the snapshot as a refresh seeds them, and its tries in flight.
 */
export function signalsCopy(keys: Iterable<string>, snapshot: HealthSnapshot | undefined, colo: string, now: number): SteeringSignals {
  const latency = new LatencyTracker();
  const own = isolate.latency.peek(colo);
  const outstanding = new Map<string, number>();
  const usual = new Map<string, number>();
  for (const key of keys) {
    outstanding.set(key, isolate.outstanding.get(key));
    usual.set(key, isolate.outstanding.usual(key));
    const e = own?.get(key);
    if (e !== undefined) latency.seed(key, e.value, e.at);
  }
  const sampledAt = snapshot?.latencyAt ?? {};
  for (const [key, value] of Object.entries(snapshot?.latency ?? {}))
    latency.seed(key, value, sampledAt[key] ?? snapshot?.generatedAt ?? now);
  // Load reports as a refresh would seed them; live weights computed afresh, the isolate's 1 s cache untouched.
  const loadOf = (id: string): OriginLoad | undefined => {
    const reported = snapshot?.load?.[id];
    const local = isolate.load.load(id);
    return reported === undefined ? local : mergeLoad(local, reported, SEED_EXPIRY_MS);
  };
  return latencySignals(
    latency,
    (key) => outstanding.get(key) ?? 0,
    () => now,
    (pool) => poolLiveWeights(pool, loadOf, now),
    (key) => usual.get(key) ?? 0,
  );
}

/** Checks affinity cookies with the key the data plane signs them with (AFFINITY_KEY, else ADMIN_TOKEN). */
export function cookieVerifier(
  env: EdgewayEnv,
  now: number,
): ((routeId: string, value: string) => Promise<string | undefined>) | undefined {
  const key = cookieSigningKey(env);
  if (key === undefined) return undefined;
  return async (routeId, value) => verifyPin(await key, routeId, value, now);
}
