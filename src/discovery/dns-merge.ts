/**
 * Discovered origins as the health snapshot carries them, and merged into the config the
 * request path steers by — as registrations are (registration.ts `withRegistrations`):
 * added to their pools, recompiled only when the set or a routing field changes
 * (`discoveryVersion`), the document always winning an id.
 *
 * Each carries a state. `active` serves. `draining`: its address left the DNS answer; it
 * gets no new requests (those in flight finish) and is not a candidate even when its pool
 * is in panic, as a registration whose heartbeat lapsed (snapshot.ts `lapsedIn`). `standby`:
 * an SRV target of a higher priority value while a lower one has a healthy target; it takes
 * traffic once every target of the lower tiers fails its health checks or leaves the answer,
 * as a client walks SRV priorities (RFC 2782), and gives it back when one passes again.
 */
import { z } from "zod";
import type { Config } from "../config/schema.ts";
import type { DnsOrigin } from "./dns-origins.ts";

export const DISCOVERED_STATES = ["active", "standby", "draining"] as const;
export type DiscoveredState = (typeof DISCOVERED_STATES)[number];

/** An origin a DNS answer gave (dns-origins.ts DnsOrigin), as stored and carried. */
export const DnsOriginSchema = z.object({
  id: z.string(),
  pool: z.string(),
  url: z.string(),
  weight: z.number(),
  region: z.string().optional(),
  source: z.string(),
  address: z.string(),
  tier: z.number().optional(),
});

export const DiscoveredOriginSchema = DnsOriginSchema.extend({
  state: z.enum(DISCOVERED_STATES),
  /** Since when it has been in this state (ms since the epoch). */
  since: z.number(),
});

export type DiscoveredOrigin = z.output<typeof DiscoveredOriginSchema>;

/** Whether two discovered origins agree on everything the request path compiles (states aside). */
export function sameRouting(a: DnsOrigin, b: DnsOrigin): boolean {
  return a.url === b.url && a.weight === b.weight && a.region === b.region && a.pool === b.pool;
}

/**
 * States with SRV tiers applied: within each pool and source, the lowest tier with an origin
 * that `isHealthy` serves, higher tiers stand by; when no tier has one, every tier serves
 * (and the pool's panic and minHealthy rules take it from there).
 */
export function withTiers(
  origins: readonly { readonly origin: DnsOrigin; readonly state: "active" | "draining"; readonly since: number }[],
  isHealthy: (id: string) => boolean,
): DiscoveredOrigin[] {
  const serving = new Map<string, number>();
  for (const { origin, state } of origins) {
    if (origin.tier === undefined || state !== "active" || !isHealthy(origin.id)) continue;
    const key = `${origin.pool} ${origin.source}`;
    serving.set(key, Math.min(serving.get(key) ?? Number.POSITIVE_INFINITY, origin.tier));
  }
  return origins.map(({ origin, state, since }) => {
    const lowest = serving.get(`${origin.pool} ${origin.source}`);
    const standby = state === "active" && origin.tier !== undefined && lowest !== undefined && origin.tier > lowest;
    return { ...origin, state: standby ? "standby" : state, since };
  });
}

/**
 * The config with discovered origins added to their pools. Origins whose pool is gone or no
 * longer discovers, or whose id a configured or registered origin holds, are left out.
 */
export function withDiscovered(config: Config, discovered: readonly DiscoveredOrigin[]): Config {
  if (discovered.length === 0) return config;
  const taken = new Set(config.origins.map((o) => o.id));
  const pools = new Set(config.pools.filter((p) => p.discovery !== undefined).map((p) => p.id));
  const joining = discovered.filter((d) => !taken.has(d.id) && pools.has(d.pool));
  if (joining.length === 0) return config;
  const byPool = new Map<string, string[]>();
  for (const d of joining) byPool.set(d.pool, [...(byPool.get(d.pool) ?? []), d.id]);
  return {
    ...config,
    origins: [
      ...config.origins,
      ...joining.map((d) => ({
        id: d.id,
        url: d.url,
        weight: d.weight,
        enabled: true,
        ...(d.region === undefined ? {} : { region: d.region }),
      })),
    ],
    pools: config.pools.map((p) => {
      const added = byPool.get(p.id);
      return added === undefined ? p : { ...p, origins: [...p.origins, ...added] };
    }),
  };
}
