/**
 * Everything the Durable Object knows of each origin, for the health API and the status
 * page: probe health and history, ejections per colo and the global verdict, traffic,
 * registration or DNS discovery, overrides, load reports and probe regions.
 */
import type { OriginHealth, Transition } from "../health/state-machine.ts";
import type { Ejection } from "../health/outlier.ts";
import type { OriginOverrides } from "../config/overrides.ts";
import type { OriginLoad } from "../steering/load-weights.ts";
import { registrationHealth } from "../discovery/registration.ts";
import type { Registration } from "../discovery/registration.ts";
import type { HealthStore, HistoryEntry } from "./health-store.ts";
import type { EjectionLogEntry, EjectionStore, TrafficBucket } from "./ejection-store.ts";
import { coloDetails } from "./colo-health.ts";
import type { ColoState, QuorumState } from "./colo-health.ts";
import type { RegistrationStore } from "./registration-store.ts";
import type { OverrideStore } from "./override-store.ts";
import type { LoadStore } from "./load-store.ts";
import type { RegionHealth, RegionHealthStore } from "./region-health-store.ts";
import type { DiscoveredOrigin } from "../discovery/dns-merge.ts";

export interface OriginDetails extends OriginHealth {
  readonly lastProbeAt: number | null;
  readonly history: readonly HistoryEntry[];
  readonly transitions: readonly Transition[];
  /** The global verdict's ejection: a quorum of colos ejects the origin everywhere. */
  readonly ejection: Ejection | undefined;
  /** Colos that eject it or sent it traffic: since when, until when, why. */
  readonly colos: Readonly<Record<string, ColoState>>;
  /** The global verdict with the votes behind it. */
  readonly quorum: QuorumState;
  readonly ejections: readonly EjectionLogEntry[];
  readonly traffic: readonly TrafficBucket[];
  readonly registration: Registration | undefined;
  /** For an origin discovered through DNS: its source (`dns:<name>`), state (active, standby, draining) and since when. */
  readonly discovered?: DiscoveredOrigin;
  readonly overrides?: OriginOverrides;
  /** The newest load report any colo has passed on (load-aware pools). */
  readonly load?: OriginLoad;
  /** Each probe region's view, for origins whose monitors name regions. */
  readonly regions?: Readonly<Record<string, RegionHealth>>;
}

/** The stores the details are read from. */
export interface DetailStores {
  readonly health: HealthStore;
  readonly ejections: EjectionStore;
  readonly registrations: RegistrationStore;
  readonly overrides: OverrideStore;
  readonly load: LoadStore;
  readonly regions: RegionHealthStore;
  /** DNS discovery's origins, their SRV tiers decided by the health given. */
  readonly dns?: { discovered(isHealthy: (id: string) => boolean): DiscoveredOrigin[] };
}

/** An operator's forced health, as the origin's health. */
export function forcedHealth(h: NonNullable<OriginOverrides["health"]>): { healthy: boolean; since: number; reason: string } {
  return { healthy: h.value === "healthy", since: h.at, reason: `forced ${h.value} by ${h.actor}: ${h.reason}` };
}

/** Every origin's details at `now`, `historyLimit` entries of each history. */
export function originDetails(stores: DetailStores, historyLimit: number, now: number): Record<string, OriginDetails> {
  const out: Record<string, OriginDetails> = {};
  const detail = (id: string, h: OriginHealth, lastProbeAt: number | null, registration?: Registration): OriginDetails => ({
    ...h,
    lastProbeAt,
    history: stores.health.history(id, historyLimit),
    transitions: stores.health.transitions(id, historyLimit),
    ejection: stores.ejections.active(id, now),
    ...coloDetails(stores.ejections, id, now),
    ejections: stores.ejections.log(id, historyLimit),
    traffic: stores.ejections.traffic(id, historyLimit),
    registration,
    regions: stores.regions.regions(id),
  });
  for (const [id, h] of stores.health.entries()) out[id] = detail(id, h, h.lastProbeAt);
  for (const reg of stores.registrations.all()) {
    out[reg.id] = detail(reg.id, { ...registrationHealth(reg, now), consecutiveSuccesses: 0, consecutiveFailures: 0 }, null, reg);
  }
  // Origins discovered through DNS: probed like configured ones (health above), or not yet.
  for (const d of stores.dns?.discovered((id) => out[id]?.healthy ?? true) ?? []) {
    const held =
      out[d.id] ??
      detail(d.id, { healthy: true, since: d.since, reason: "not probed yet", consecutiveSuccesses: 0, consecutiveFailures: 0 }, null);
    out[d.id] = { ...held, discovered: d };
  }
  // Origins no probe reaches (no monitor) that live traffic has reported on.
  for (const id of stores.ejections.originIds()) {
    out[id] ??= detail(
      id,
      { healthy: true, since: 0, reason: "not probed (no monitor)", consecutiveSuccesses: 0, consecutiveFailures: 0 },
      null,
    );
  }
  for (const [id, o] of Object.entries(stores.overrides.all())) {
    const held =
      out[id] ??
      detail(id, { healthy: true, since: 0, reason: "not probed (no monitor)", consecutiveSuccesses: 0, consecutiveFailures: 0 }, null);
    out[id] = { ...held, ...(o.health === undefined ? {} : forcedHealth(o.health)), overrides: o };
  }
  for (const [id, load] of Object.entries(stores.load.view("*", now))) {
    const held = out[id];
    if (held !== undefined) out[id] = { ...held, load };
  }
  return out;
}
