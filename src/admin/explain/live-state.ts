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

/** A frozen copy of this isolate's signals (latency seeded from the snapshot, as a refresh seeds it). */
export function signalsCopy(keys: Iterable<string>, snapshot: HealthSnapshot | undefined): SteeringSignals {
  const latency = new Map(isolate.latency.entries());
  for (const [key, ewma] of Object.entries(snapshot?.latency ?? {})) if (!latency.has(key)) latency.set(key, ewma);
  const outstanding = new Map<string, number>();
  for (const key of keys) outstanding.set(key, isolate.outstanding.get(key));
  return { outstanding: (key) => outstanding.get(key) ?? 0, latencyMs: (key) => latency.get(key) };
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
