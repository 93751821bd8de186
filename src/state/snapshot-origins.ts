/**
 * The `origins` of a health snapshot: each origin's health as probes (or heartbeats) say,
 * the global ejection in force on it, and an operator's forced state over both — the
 * probed origins, the registered ones, origins some quorum ejects that no probe reached
 * yet. What OriginState.snapshot() hands every isolate.
 */
import type { OriginOverrides } from "../config/overrides.ts";
import { registrationHealth } from "../discovery/registration.ts";
import type { Registration } from "../discovery/registration.ts";
import type { HealthSnapshot } from "../health/snapshot.ts";
import { plainEjection } from "./colo-health.ts";
import type { EjectionStore } from "./ejection-store.ts";
import type { HealthStore } from "./health-store.ts";
import { forcedHealth } from "./origin-details.ts";

/** Every origin's status at `now`. */
export function originStatuses(
  health: HealthStore,
  ejections: EjectionStore,
  registrations: readonly Registration[],
  overrides: Readonly<Record<string, OriginOverrides>>,
  now: number,
): HealthSnapshot["origins"] {
  const origins: HealthSnapshot["origins"] = {};
  for (const [id, h] of health.entries()) {
    const ejection = ejections.active(id, now);
    origins[id] = {
      healthy: h.healthy,
      since: h.since,
      reason: h.reason,
      lastProbeAt: h.lastProbeAt,
      ...(h.lastProbeOk === undefined ? {} : { lastProbeOk: h.lastProbeOk }),
      ...(ejection === undefined ? {} : { ejection: plainEjection(ejection) }),
    };
  }
  for (const reg of registrations) {
    const ejection = ejections.active(reg.id, now);
    origins[reg.id] = { ...registrationHealth(reg, now), ...(ejection === undefined ? {} : { ejection: plainEjection(ejection) }) };
  }
  // Global ejections of origins no probe has reached yet.
  for (const id of ejections.ejectedOrigins(now)) {
    const ejection = origins[id] === undefined ? ejections.active(id, now) : undefined;
    if (ejection !== undefined)
      origins[id] = { healthy: true, since: ejection.at, reason: "not probed yet", ejection: plainEjection(ejection) };
  }
  for (const [id, o] of Object.entries(overrides)) {
    if (o.health !== undefined) origins[id] = { ...origins[id], ...forcedHealth(o.health) };
  }
  return origins;
}
