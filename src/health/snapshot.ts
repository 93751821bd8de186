/**
 * The health snapshot: what the request path knows of origin health. Produced by the
 * Durable Object, parsed with this schema when an isolate fetches it (the object may run
 * another code version during a deploy), then cached in the isolate.
 */
import { z } from "zod";
import { lapsesAt, RegistrationSchema } from "../discovery/registration.ts";
import { DiscoveredOriginSchema } from "../discovery/dns-merge.ts";
import { EJECTION_KINDS } from "./outlier.ts";
import { OriginOverridesSchema } from "../config/overrides.ts";
import type { Ejection } from "./outlier.ts";
import { OriginLoadSchema } from "../steering/load-weights.ts";

/** A passive ejection (outlier detection) in force, as an isolate reported it or a quorum of colos decided it: the detector's `Ejection`. */
export const EjectionSchema: z.ZodType<Ejection> = z.object({
  originId: z.string(),
  poolId: z.string(),
  kind: z.enum(EJECTION_KINDS),
  at: z.number(),
  until: z.number(),
  count: z.number().int().min(1),
  reason: z.string(),
});

export const OriginStatusSchema = z.object({
  healthy: z.boolean(),
  since: z.number(),
  reason: z.string(),
  /** The latest probe of this origin: when, and whether it passed. */
  lastProbeAt: z.number().nullable().optional(),
  lastProbeOk: z.boolean().optional(),
  ejection: EjectionSchema.optional(),
});

/** The votes behind an origin's global verdict (health/quorum.ts): counts only, so the snapshot stays small. */
export const VotesSchema = z.object({
  /** Colos ejecting it now. */
  failing: z.number().int().min(0),
  /** Colos that sent it traffic within the quorum's window or eject it. */
  voters: z.number().int().min(0),
  /** Failing colos the quorum needs. */
  needed: z.number().int().min(1),
  /** Whether the quorum ejects it everywhere (the ejection is then `origins[id].ejection`). */
  ejected: z.boolean(),
});

const RolloutMatchSchema = z.object({ name: z.string(), value: z.string() });

/** A rollout steering traffic now (src/rollout/types.ts ActiveRollout), as the snapshot carries it to isolates. */
export const SnapshotRolloutSchema = z.object({
  id: z.string(),
  route: z.string(),
  to: z.string(),
  weight: z.number().min(0).max(100),
  abTest: z.object({ header: RolloutMatchSchema.optional(), cookie: RolloutMatchSchema.optional(), intervals: z.number() }).optional(),
  /** A promoted rollout: the config version its promotion wrote; a config at or past it makes the rollout moot. */
  retiredBy: z.number().optional(),
});

export const HealthSnapshotSchema = z.object({
  generatedAt: z.number(),
  /** `ejection` here is a global verdict: an ejection every colo applies. */
  origins: z.record(z.string(), OriginStatusSchema),
  /**
   * Ejections made in the colos the snapshot was asked for (in production the isolate's
   * own colo), by colo: bounded by origins × colos asked for.
   */
  coloEjections: z.record(z.string(), z.array(EjectionSchema)).optional(),
  /** The votes for every origin that some colo ejects, by origin id. */
  votes: z.record(z.string(), VotesSchema).optional(),
  /** The requesting colo's latency estimates (ms) by origin id or `pool:<id>`. */
  latency: z.record(z.string(), z.number()).optional(),
  /** When each of `latency`'s estimates was last sampled (ms since the epoch), so it decays on read from then. */
  latencyAt: z.record(z.string(), z.number()).optional(),
  /** Whose view `latency` is: the requesting colo's own, or the global one for a colo with no estimates yet. */
  latencyScope: z.enum(["colo", "global"]).optional(),
  /** The requesting colo's view of its origins' load reports, by origin id (load-store.ts). */
  load: z.record(z.string(), OriginLoadSchema).optional(),
  /** Self-registered origins, and a number that changes whenever their set or routing fields do. */
  registrations: z.array(RegistrationSchema).optional(),
  registrationsVersion: z.number().optional(),
  /** Origins discovered through DNS with their states (active, standby, draining), and a number that changes whenever their set or routing fields do. */
  discovered: z.array(DiscoveredOriginSchema).optional(),
  discoveryVersion: z.number().optional(),
  /** Admin overrides by origin id (health ones are already applied to `origins`), and their change counter. */
  overrides: z.record(z.string(), OriginOverridesSchema).optional(),
  overridesVersion: z.number().optional(),
  /** Rollouts steering traffic now (docs/rollouts.md), and a number that changes whenever their set, weights or stages do. */
  rollouts: z.array(SnapshotRolloutSchema).optional(),
  rolloutsVersion: z.number().optional(),
});

export type OriginStatus = z.infer<typeof OriginStatusSchema>;
export type Votes = z.infer<typeof VotesSchema>;
export type HealthSnapshot = z.infer<typeof HealthSnapshotSchema>;
export type SnapshotRollout = z.infer<typeof SnapshotRolloutSchema>;

const lapsedBySnapshot = new WeakMap<HealthSnapshot, ReadonlySet<string>>();

/**
 * Whether the snapshot knows `originId` as gone when it was made: a registration whose
 * heartbeat had lapsed (a host that stopped saying it is there), or a discovered origin that
 * is not active (its address left the DNS answer and drains, or an SRV target standing by
 * for a lower priority). Steering treats it as gone (not a candidate, not counted for panic
 * or minHealthy), not as an unhealthy host.
 */
export function lapsedIn(snapshot: HealthSnapshot | undefined, originId: string): boolean {
  if (snapshot === undefined) return false;
  const registrations = snapshot.registrations ?? [];
  const discovered = snapshot.discovered ?? [];
  if (registrations.length === 0 && discovered.length === 0) return false;
  let lapsed = lapsedBySnapshot.get(snapshot);
  if (lapsed === undefined) {
    const at = snapshot.generatedAt;
    lapsed = new Set([
      ...registrations.filter((r) => lapsesAt(r) < at).map((r) => r.id),
      ...discovered.filter((d) => d.state !== "active").map((d) => d.id),
    ]);
    lapsedBySnapshot.set(snapshot, lapsed);
  }
  return lapsed.has(originId);
}

/** Health as the snapshot tells it; an origin it does not know is healthy (fail open). */
export function isHealthyIn(snapshot: HealthSnapshot | undefined, originId: string): boolean {
  return snapshot?.origins[originId]?.healthy ?? true;
}
