/** Health for an explanation, built on a throwaway outlier detector so the live one is left alone. */
import type { CompiledConfig } from "../../config/compile.ts";
import { OVERRIDE_KINDS } from "../../config/overrides.ts";
import type { OriginOverrides } from "../../config/overrides.ts";
import type { HealthSnapshot } from "../../health/snapshot.ts";
import { healthView, syncFromSnapshot } from "../../health/passive.ts";
import { OutlierDetector } from "../../health/outlier.ts";
import type { Ejection } from "../../health/outlier.ts";
import type { ExplainHealth, HealthSource, OverrideFact } from "./input.ts";

/** An origin's overrides as a list, in OVERRIDE_KINDS order. */
function overrideFacts(overrides: OriginOverrides | undefined): OverrideFact[] {
  const out: OverrideFact[] = [];
  for (const kind of OVERRIDE_KINDS) {
    const o = overrides?.[kind];
    if (o !== undefined) out.push({ kind, value: o.value, reason: o.reason, actor: o.actor, at: o.at });
  }
  return out;
}

/**
 * Health for an explanation, as the data plane's next request would see it: the
 * snapshot's probe health, and the live isolate's ejections with the snapshot's synced in
 * (adopted, and returned by probes that passed since) — on a throwaway outlier detector,
 * so the live one is left as it is. Ejections are adopted with their pool's settings from
 * `config`, so `unejectOnProbeSuccess` decides as configured.
 */
export function explainHealth(
  snapshot: HealthSnapshot | undefined,
  liveEjections: readonly Ejection[],
  config: CompiledConfig,
  now: number,
  source: HealthSource,
): ExplainHealth {
  const detector = new OutlierDetector();
  const settings = (poolId: string) => config.pools.get(poolId)?.source.outlierDetection;
  for (const e of liveEjections) detector.adopt(e, now, settings(e.poolId));
  if (snapshot !== undefined) {
    for (const status of Object.values(snapshot.origins))
      if (status.ejection !== undefined) detector.adopt(status.ejection, now, settings(status.ejection.poolId));
    syncFromSnapshot(detector, snapshot, now);
  }
  detector.expire(now);
  const clock = (): number => now;
  const ejections = new Map(detector.ejections(now).map((e) => [e.originId, e] as const));
  const discovered = new Map((snapshot?.discovered ?? []).map((d) => [d.id, d.source] as const));
  const registered = new Set((snapshot?.registrations ?? []).map((r) => r.id));
  return {
    view: healthView(detector, snapshot, clock),
    probeOnly: healthView(detector, snapshot, clock, true),
    anyEjected: detector.anyEjected(now),
    source,
    origin(id) {
      const status = snapshot?.origins[id];
      const source = discovered.get(id) ?? (registered.has(id) ? "registration" : "config");
      return { status, ejection: ejections.get(id), overrides: overrideFacts(snapshot?.overrides?.[id]), source };
    },
  };
}
