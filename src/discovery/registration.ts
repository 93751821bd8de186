/**
 * Self-registered origins, as with a Consul agent's TTL check: an origin POSTs itself to
 * `/_edgeway/register` naming the pool it serves, and keeps POSTing (the heartbeat) at
 * least every `ttlSeconds`. While heartbeats arrive it is healthy; when one is late it
 * turns unhealthy; after `deregisterAfterSeconds` without one it is removed (Consul's
 * `deregister_critical_service_after`, whose minimum of about a minute Edgeway keeps).
 *
 * Registrations live in the Durable Object, not in the config document: the document is
 * what operators write, registrations are what origins report. The request path merges
 * them into the compiled config whenever the set of registrations changes (not on every
 * heartbeat).
 */
import { z } from "zod";
import { Id, OriginSchema } from "../config/schema.ts";
import type { Config } from "../config/schema.ts";

/** A 30 s TTL is a common Consul setting: long enough to ride out a slow heartbeat or two. */
export const DEFAULT_TTL_SECONDS = 30;
/** Ten minutes unhealthy before removal; Consul's minimum is one minute. */
export const DEFAULT_DEREGISTER_AFTER_SECONDS = 600;

/** An origin as the document would declare it (same id, URL and weight rules), plus where and how it registers. */
export const RegistrationRequestSchema = OriginSchema.pick({
  id: true,
  url: true,
  region: true,
  lat: true,
  lon: true,
  weight: true,
}).extend({
  /** The pool this origin joins; it must exist in the config in force. */
  pool: Id,
  ttlSeconds: z.number().int().min(1).max(86_400).default(DEFAULT_TTL_SECONDS),
  deregisterAfterSeconds: z.number().int().min(60).max(604_800).default(DEFAULT_DEREGISTER_AFTER_SECONDS),
});

export type RegistrationRequest = z.output<typeof RegistrationRequestSchema>;

/** Under which policy a registration was admitted: the address pattern that matched, in which config version. */
export const AdmittedBySchema = z.object({ matched: z.string(), configVersion: z.number() });

/**
 * A registration as the Durable Object keeps it and the snapshot carries it: who
 * registered it (the token's name) and under which policy. Both are absent on
 * registrations made before ids were bound to registrants.
 */
export const RegistrationSchema = RegistrationRequestSchema.extend({
  registeredAt: z.number(),
  lastHeartbeat: z.number(),
  registrant: z.string().optional(),
  policy: AdmittedBySchema.optional(),
});

export type Registration = z.output<typeof RegistrationSchema>;

/** Health of a registered origin at `now`, from its heartbeat alone. */
export function registrationHealth(reg: Registration, now: number): { healthy: boolean; since: number; reason: string } {
  const lapsesAt = reg.lastHeartbeat + reg.ttlSeconds * 1_000;
  if (now <= lapsesAt) return { healthy: true, since: reg.lastHeartbeat, reason: `heartbeat within its ${reg.ttlSeconds} s TTL` };
  return {
    healthy: false,
    since: lapsesAt,
    reason: `no heartbeat for ${Math.round((now - reg.lastHeartbeat) / 1_000)} s (TTL ${reg.ttlSeconds} s)`,
  };
}

/** When the registration lapses (turns unhealthy). */
export function lapsesAt(reg: Registration): number {
  return reg.lastHeartbeat + reg.ttlSeconds * 1_000;
}

/** When the registration is removed if no heartbeat comes. */
export function deregistersAt(reg: Registration): number {
  return lapsesAt(reg) + reg.deregisterAfterSeconds * 1_000;
}

/** Whether two registrations agree on everything the request path uses (the heartbeat aside). */
export function sameRoutingFields(a: RegistrationRequest, b: RegistrationRequest): boolean {
  return a.url === b.url && a.region === b.region && a.lat === b.lat && a.lon === b.lon && a.weight === b.weight && a.pool === b.pool;
}

/**
 * The config with registered origins added to their pools. Registrations whose pool no
 * longer exists or no longer has a registration policy, or whose id a configured origin
 * has since taken, are left out: the document always wins.
 */
export function withRegistrations(config: Config, registrations: readonly Registration[]): Config {
  if (registrations.length === 0) return config;
  const taken = new Set(config.origins.map((o) => o.id));
  const pools = new Set(config.pools.filter((p) => p.registration !== undefined).map((p) => p.id));
  const joining = registrations.filter((r) => !taken.has(r.id) && pools.has(r.pool));
  if (joining.length === 0) return config;
  return {
    ...config,
    origins: [
      ...config.origins,
      ...joining.map((r) => ({
        id: r.id,
        url: r.url,
        weight: r.weight,
        enabled: true,
        ...(r.region === undefined ? {} : { region: r.region }),
        ...(r.lat === undefined ? {} : { lat: r.lat }),
        ...(r.lon === undefined ? {} : { lon: r.lon }),
      })),
    ],
    pools: config.pools.map((p) => {
      const added = joining.filter((r) => r.pool === p.id).map((r) => r.id);
      return added.length === 0 ? p : { ...p, origins: [...p.origins, ...added] };
    }),
  };
}
