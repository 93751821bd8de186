/**
 * `/explain`: which route, pool and origin Edgeway would pick for a request, and why —
 * the client as steering sees it, the route policy's pool order and its inputs, every
 * pool's health counts and valves, the pool policy's shares, affinity, and the retry plan.
 *
 * Pure and read-only: it runs the real selection code (`routeOrder`, `selectInOrder`,
 * `selectOrigin`, `pinState`, `rendezvousPick`) on a throwaway memory store, the caller's
 * copy of the signals and a health view built on a throwaway outlier detector, so
 * explaining never moves a rotation, a tracker or an ejection of the live isolate.
 *
 * What "basis" means in the answer: `deterministic` picks are what the data plane picks
 * for the same inputs (failover, geo, proximity route steering; hash steering with a key;
 * affinity; a single candidate). `rotation` policies (weighted, round_robin,
 * least_outstanding, hash without a key) rotate per isolate: the pick shown is where a
 * fresh rotation starts, and the shares are what every rotation converges to. `draw`
 * policies (random, latency) draw at random per request: the pick is one draw, the shares
 * are the odds.
 */
import type { CompiledConfig, CompiledOrigin, CompiledPool, CompiledRoute, Coordinates } from "../config/compile.ts";
import type { PoolSteeringName, Route } from "../config/schema.ts";
import { OVERRIDE_KINDS } from "../config/overrides.ts";
import type { OriginOverrides, OverrideKind } from "../config/overrides.ts";
import type { ClientInfo } from "../routing/client.ts";
import { locateClient } from "../routing/centroids.ts";
import type { ClientLocation } from "../routing/centroids.ts";
import { normaliseHost, pathMatches } from "../routing/match.ts";
import { DEFAULT_HASH_KEY, parseCookies, requestHashKey } from "../routing/request-key.ts";
import type { HealthSnapshot, OriginStatus } from "../health/snapshot.ts";
import { healthView, syncFromSnapshot } from "../health/passive.ts";
import { OutlierDetector } from "../health/outlier.ts";
import type { Ejection, EjectionKind } from "../health/outlier.ts";
import { createMemoryStore, pickForTry, routeOrder, selectInOrder, selectOrigin, viewPool } from "./select.ts";
import type { HealthView, PoolView, SelectInput, Selection, TryPick } from "./select.ts";
import type { RandomSource, SteeringSignals } from "./types.ts";
import { DEFAULT_AFFINITY_HEADER, pinState } from "./affinity.ts";
import type { PinState } from "./affinity.ts";
import { DEFAULT_AFFINITY_COOKIE } from "./affinity-cookie.ts";
import { rendezvousPick } from "./pool/hash.ts";
import { FAILURE_PENALTY_MS } from "./latency.ts";
import { distanceKm } from "./route/proximity.ts";
import { EXPLORE_SHARE, poolLatencyCost } from "./route/latency.ts";

// ---- input -------------------------------------------------------------------------

export type ClientField = "ip" | "country" | "continent" | "colo" | "lat" | "lon";

/** The request to explain, as the data plane would receive it. */
export interface ExplainRequest {
  readonly url: URL;
  readonly method: string;
  /** Its headers; cookies in `cookie`, as a browser sends them. */
  readonly headers: Headers;
  readonly client: ClientInfo;
  /** Where each known client field came from (a query parameter, request.cf, …). */
  readonly clientSources: Partial<Record<ClientField, string>>;
}

/** One operator override of an origin (drained/disabled, weight, forced health), as the snapshot carries it. */
export interface OverrideFact {
  readonly kind: OverrideKind;
  readonly value: string | number;
  readonly reason: string;
  readonly actor: string;
  readonly at: number;
}

/** What is known of one origin's health. */
export interface OriginHealthFacts {
  /** The snapshot's health (probes, heartbeats, or a forced state); undefined when it does not know the origin (counted healthy). */
  readonly status: OriginStatus | undefined;
  /** An outlier ejection in force. */
  readonly ejection: Ejection | undefined;
  readonly overrides: OverrideFact[];
}

/** Where the health snapshot came from. */
export interface HealthSource {
  readonly source: "isolate" | "durable_object" | "none";
  readonly generatedAt: number | null;
}

/** Health as steering reads it, and the facts behind it. */
export interface ExplainHealth {
  /** Probe health and ejections: what steering reads. */
  readonly view: HealthView;
  /** Probe health alone: what steering reads when ejections would leave nothing (the ejection-override valve). */
  readonly probeOnly: HealthView;
  readonly anyEjected: boolean;
  readonly source: HealthSource;
  origin(id: string): OriginHealthFacts;
}

export interface ExplainInput {
  /** The config steering uses (the stored document plus registrations and overrides). */
  readonly config: CompiledConfig;
  /** The stored document's compiled config, for configured weights; `config` when omitted. */
  readonly configured?: CompiledConfig | undefined;
  readonly request: ExplainRequest;
  readonly health: ExplainHealth;
  /** A copy of the isolate's signals: explaining reads them, never records. */
  readonly signals: SteeringSignals;
  readonly random: RandomSource;
  readonly now: number;
  /** Checks an affinity cookie value for a route: the origin it pins, or undefined. Absent when no key signs cookies. */
  readonly verifyCookie?: ((routeId: string, value: string) => Promise<string | undefined>) | undefined;
}

// ---- output ------------------------------------------------------------------------

export type Basis = "deterministic" | "rotation" | "draw";

export interface ClientValue<T> {
  readonly value: T;
  readonly source: string;
}

export interface ExplainedClient {
  readonly ip: ClientValue<string> | null;
  readonly country: ClientValue<string> | null;
  readonly continent: ClientValue<string> | null;
  readonly colo: ClientValue<string> | null;
  readonly lat: ClientValue<number> | null;
  readonly lon: ClientValue<number> | null;
  /** Where proximity steering places the client, and which field said so. */
  readonly location: { readonly lat: number; readonly lon: number; readonly from: ClientLocation["source"] } | null;
}

export interface ConsideredRoute {
  readonly id: string;
  readonly match: { readonly host: string; readonly pathPrefix: string };
  readonly hostMatches: boolean;
  readonly pathMatches: boolean;
  readonly chosen: boolean;
}

export interface ExplainedAffinity {
  readonly type: "cookie" | "header" | "ip";
  readonly name: string | null;
  readonly onFailure: "none" | "temporary" | "sticky";
  readonly ttlSeconds: number;
  /** Header and IP affinity: the value every pool hashes on (null: the request has none). */
  readonly key: string | null;
  /** Cookie affinity: the cookie seen and what it pins. */
  readonly cookie: {
    readonly present: boolean;
    /** absent, verified (signature and expiry good), invalid (malformed, forged, expired or for another route), no-key (no AFFINITY_KEY or ADMIN_TOKEN to check it). */
    readonly verdict: "absent" | "verified" | "invalid" | "no-key";
    readonly pinned: string | null;
    /** usable: the first try goes there; unavailable: it is unhealthy; none: no pin, or it names no enabled origin of the route. */
    readonly state: PinState["kind"];
  } | null;
  /** Header and IP affinity with onFailure "none": the key's origin in the first pool, which alone may serve it. */
  readonly home: { readonly pool: string; readonly origin: string; readonly healthy: boolean } | null;
  readonly effect: string;
}

export interface ExplainedRoutePool {
  readonly id: string;
  readonly up: boolean;
  readonly outstanding: number;
  /** weighted: the route's weight for the pool; least_outstanding: capacity ÷ (outstanding + 1). */
  readonly weight: number | null;
  /** weighted and least_outstanding: the share of requests that try this pool first. */
  readonly share: number | null;
  readonly location: Coordinates | null;
  /** proximity: great-circle distance from the client. */
  readonly distanceKm: number | null;
  /** latency: the pool's latency estimate from this edge location, and the cost steering compares. */
  readonly latencyMs: number | null;
  readonly costMs: number | null;
}

export interface ExplainedRouteSteering {
  readonly policy: Route["steering"];
  readonly basis: Basis;
  readonly order: string[];
  readonly why: string;
  /** geo (and proximity without a client location): the most specific geo key that matched; null: none did. */
  readonly geoMatch: { readonly kind: "colo" | "country" | "continent"; readonly code: string } | null;
  /** latency: share of requests sent to another up pool, so a pool that got faster is noticed. */
  readonly exploreShare: number | null;
  readonly pools: ExplainedRoutePool[];
}

/** Why an origin cannot take the first try: its own state, else its pool being down. */
export type OriginExclusion = "disabled" | "weight-zero" | "unhealthy" | "ejected" | "pool-down";

export interface ExplainedOrigin {
  readonly id: string;
  readonly url: string;
  /** Joined by registration rather than the config document. */
  readonly registered: boolean;
  readonly enabled: boolean;
  /** The weight in the config document (null for a registered origin). */
  readonly configuredWeight: number | null;
  /** The weight steering uses, after operator overrides (precedence: disabled > drained > weight override > document). */
  readonly weight: number;
  readonly overrides: OverrideFact[];
  /** Healthy as steering sees it: probes pass and not ejected. */
  readonly healthy: boolean;
  /** What the snapshot says: probe (or heartbeat) health and its reason, or a forced state; null when it does not know the origin (counted healthy). */
  readonly status: {
    readonly healthy: boolean;
    readonly reason: string;
    readonly since: number;
    readonly lastProbeAt: number | null;
    readonly forced: boolean;
  } | null;
  readonly ejection: {
    readonly kind: EjectionKind;
    readonly at: number;
    readonly until: number;
    readonly count: number;
    readonly reason: string;
  } | null;
  /** May take the first try when steering reaches its pool (enabled, weight > 0, healthy or the pool in panic; the pool up). */
  readonly candidate: boolean;
  readonly excluded: OriginExclusion | null;
  /** Its share of the pool's requests under the pool's steering (0 when not a candidate). */
  readonly share: number;
  readonly latencyMs: number | null;
  readonly outstanding: number;
}

export interface ExplainedPool {
  readonly id: string;
  readonly role: "route" | "fallback";
  /** Place in the route steering's order (1-based); null for the fallback pool. */
  readonly position: number | null;
  /** serves: the first try goes here; down: below minHealthy; no-candidates: up but nothing may serve; not-reached: an earlier pool serves; standby: the fallback pool, not needed. */
  readonly verdict: "serves" | "down" | "no-candidates" | "not-reached" | "standby";
  readonly steering: PoolSteeringName;
  readonly up: boolean;
  readonly healthy: number;
  readonly enabled: number;
  readonly minHealthy: number;
  readonly panic: boolean;
  readonly panicThreshold: number;
  readonly candidates: string[];
  readonly outlierDetection: {
    readonly enabled: boolean;
    readonly ejected: number;
    readonly maxEjected: number;
    readonly maxEjectionPercent: number;
    readonly atLimit: boolean;
  };
  readonly origins: ExplainedOrigin[];
}

export interface ExplainedPoolSteering {
  readonly pool: string;
  readonly policy: PoolSteeringName;
  /** What decided inside the pool: its policy, the affinity key (every pool hashes on it), or the affinity cookie's pin. */
  readonly steeredBy: "policy" | "affinity-key" | "affinity-cookie";
  readonly basis: Basis;
  readonly hashKey: { readonly from: string; readonly value: string | null } | null;
  readonly pick: string;
  readonly why: string;
}

export interface Valve {
  readonly active: boolean;
  readonly pools: string[];
  readonly detail: string;
}

export interface PlannedTry {
  readonly attempt: number;
  readonly pool: string;
  readonly origin: string;
  readonly fallback: boolean;
  readonly panic: boolean;
  readonly ejectionOverride: boolean;
  readonly pinned: boolean;
}

export interface RetryPlan {
  readonly attempts: number;
  readonly allowed: boolean;
  readonly why: string;
  readonly on: string[];
  readonly methods: string[];
  readonly budgetPercent: number;
  readonly minRetriesPerSecond: number;
  readonly maxBodyBytes: number;
  readonly timeoutMs: number;
  readonly perTryTimeoutMs: number | null;
  /** Hedging (GET and HEAD): a second try to the next origin when the first has not answered after delayMs. */
  readonly hedgeDelayMs: number | null;
  /** The first try, then where each retry would go if every try before it failed. */
  readonly tries: PlannedTry[];
}

export type Outcome =
  | {
      readonly kind: "origin";
      readonly pool: string;
      readonly origin: string;
      readonly basis: Basis;
      readonly fallback: boolean;
      readonly panic: boolean;
      readonly ejectionOverride: boolean;
      readonly pinned: boolean;
      readonly message: string;
    }
  | {
      readonly kind: "error";
      readonly status: 404 | 503;
      readonly code: "no_route" | "no_healthy_origin" | "affine_origin_unavailable";
      readonly message: string;
    };

export interface Explanation {
  readonly configVersion: number;
  readonly request: { readonly url: string; readonly method: string; readonly host: string; readonly path: string };
  readonly outcome: Outcome;
  readonly health: HealthSource;
  readonly route: {
    readonly id: string;
    readonly match: { readonly host: string; readonly pathPrefix: string };
    readonly steering: Route["steering"];
  } | null;
  readonly routesConsidered: ConsideredRoute[];
  readonly client: ExplainedClient;
  readonly affinity: ExplainedAffinity | null;
  readonly routeSteering: ExplainedRouteSteering | null;
  readonly pools: ExplainedPool[];
  readonly poolSteering: ExplainedPoolSteering | null;
  readonly valves: {
    readonly panic: Valve;
    readonly fallbackPool: Valve;
    readonly ejectionOverride: Valve;
    readonly maxEjectionPercent: Valve;
  } | null;
  readonly retries: RetryPlan | null;
}

// ---- health --------------------------------------------------------------------------

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
  return {
    view: healthView(detector, snapshot, clock),
    probeOnly: healthView(detector, snapshot, clock, true),
    anyEjected: detector.anyEjected(now),
    source,
    origin(id) {
      const status = snapshot?.origins[id];
      return { status, ejection: ejections.get(id), overrides: overrideFacts(snapshot?.overrides?.[id]) };
    },
  };
}

// ---- routes and client ----------------------------------------------------------------

/** Whether a route's host pattern covers `host` ("*", "*.example.com" or an exact name), as the route table reads it. */
function hostCovers(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  if (p === "*") return true;
  if (p.startsWith("*.")) return host.endsWith(p.slice(1));
  return host === p;
}

function consideredRoutes(config: CompiledConfig, url: URL, chosen: CompiledRoute | undefined): ConsideredRoute[] {
  const host = normaliseHost(url.host);
  return config.routes.map((route) => ({
    id: route.id,
    match: { host: route.match.host, pathPrefix: route.match.pathPrefix },
    hostMatches: hostCovers(route.match.host, host),
    pathMatches: pathMatches(route.match.pathPrefix, url.pathname),
    chosen: route === chosen,
  }));
}

function clientValue<T>(value: T | undefined, source: string | undefined): ClientValue<T> | null {
  return value === undefined ? null : { value, source: source ?? "unknown" };
}

function explainClient(client: ClientInfo, sources: ExplainRequest["clientSources"]): ExplainedClient {
  const located = locateClient(client);
  return {
    ip: clientValue(client.ip, sources.ip),
    country: clientValue(client.country, sources.country),
    continent: clientValue(client.continent, sources.continent),
    colo: clientValue(client.colo, sources.colo),
    lat: clientValue(client.lat, sources.lat),
    lon: clientValue(client.lon, sources.lon),
    location: located === undefined ? null : { lat: located.lat, lon: located.lon, from: located.source },
  };
}

// ---- route steering -------------------------------------------------------------------

/** The geo key that decides for this client, in geoPools' order: colo, country, continent. */
function geoMatch(route: CompiledRoute, client: ClientInfo): ExplainedRouteSteering["geoMatch"] {
  if (client.colo !== undefined && route.geo.colo.has(client.colo)) return { kind: "colo", code: client.colo };
  if (client.country !== undefined && route.geo.country.has(client.country)) return { kind: "country", code: client.country };
  if (client.continent !== undefined && route.geo.continent.has(client.continent)) return { kind: "continent", code: client.continent };
  return null;
}

function shareOf(weights: readonly number[], i: number): number {
  const total = weights.reduce((sum, w) => sum + w, 0);
  return total > 0 ? (weights[i] ?? 0) / total : 0;
}

function explainRouteSteering(
  route: CompiledRoute,
  order: readonly CompiledPool[],
  client: ClientInfo,
  health: HealthView,
  signals: SteeringSignals,
): ExplainedRouteSteering {
  const policy = route.source.steering;
  const ups = route.pools.map((pool) => viewPool(pool, health).up);
  const upCount = ups.filter(Boolean).length;
  const here = policy === "proximity" ? locateClient(client) : undefined;
  // Proximity ranks from the client's position rounded to 0.1°, as proximity.ts does.
  const rounded = here === undefined ? undefined : { lat: Math.round(here.lat * 10) / 10, lon: Math.round(here.lon * 10) / 10 };
  const routeWeights = route.pools.map((pool, i) => {
    if (policy === "weighted") return ups[i] === true ? (route.poolWeights[i] ?? 0) : 0;
    if (policy === "least_outstanding") return ups[i] === true ? pool.capacity / (signals.outstanding(pool.key) + 1) : 0;
    return 0;
  });
  // latency: the up pool with the lowest cost, the first on a tie (as latencyRoute picks it).
  let best: CompiledPool | undefined;
  let bestCost = Number.POSITIVE_INFINITY;
  for (const [i, pool] of route.pools.entries()) {
    const cost = poolLatencyCost(pool, signals);
    if (ups[i] === true && cost < bestCost) {
      bestCost = cost;
      best = pool;
    }
  }
  const pools = route.pools.map((pool, i): ExplainedRoutePool => {
    const weighs = policy === "weighted" || policy === "least_outstanding";
    const latency = policy === "latency";
    return {
      id: pool.id,
      up: ups[i] === true,
      outstanding: signals.outstanding(pool.key),
      weight: weighs ? (routeWeights[i] ?? 0) : null,
      share: weighs ? shareOf(routeWeights, i) : null,
      location: pool.location ?? null,
      distanceKm: rounded === undefined || pool.location === undefined ? null : distanceKm(rounded, pool.location),
      latencyMs: latency ? (signals.latencyMs(pool.key) ?? null) : null,
      costMs: latency ? poolLatencyCost(pool, signals) : null,
    };
  });
  const geo = policy === "geo" || (policy === "proximity" && here === undefined) ? geoMatch(route, client) : null;
  const ids = order.map((p) => p.id);
  let why: string;
  let basis: Basis = "deterministic";
  switch (policy) {
    case "failover":
      why = "failover: the route's pools in order; the first that is up serves";
      break;
    case "geo":
      why =
        geo === null
          ? "geo: no geo key matched the client (colo, country or continent), so the route's pools in order"
          : `geo: the client's ${geo.kind} ${geo.code} matched; its pools first, the route's other pools after as failover`;
      break;
    case "proximity":
      why =
        here === undefined
          ? `proximity: the client's location is unknown, so geo's order (${geo === null ? "no geo key matched: the route's pools in order" : `${geo.kind} ${geo.code} matched`})`
          : `proximity: nearest pool first, by great-circle distance from the client (located by its ${here.source}, rounded to 0.1°); pools without a location last`;
      break;
    case "latency":
      basis = upCount > 1 ? "draw" : "deterministic";
      why =
        best === undefined
          ? "latency: no pool is up, so the route's pools in order"
          : `latency: ${best.id} has the lowest latency cost (${bestCost} ms; a pool never measured costs 0 while nothing is in flight to it, else ${FAILURE_PENALTY_MS} ms)${upCount > 1 ? `; ${EXPLORE_SHARE * 100}% of requests explore another up pool, so this order is one draw` : ""}`;
      break;
    case "weighted":
    case "least_outstanding": {
      const sharing = routeWeights.filter((w) => w > 0).length;
      basis = sharing > 1 ? "rotation" : "deterministic";
      const what = policy === "weighted" ? "the route's pool weights" : "capacity ÷ (outstanding + 1)";
      why =
        sharing === 0
          ? `${policy}: no up pool has weight, so the route's pools in order`
          : `${policy}: up pools take turns going first by ${what} (smooth weighted round robin${sharing > 1 ? "; the order shown starts a fresh rotation, the shares are what each pool gets" : ""}); the others follow in route order`;
      break;
    }
  }
  return { policy, basis, order: ids, why, geoMatch: geo, exploreShare: policy === "latency" ? EXPLORE_SHARE : null, pools };
}

// ---- pools and origins ----------------------------------------------------------------

/**
 * Exact odds of each candidate under `latency` pool steering (power of two choices): the
 * first draw ∝ weight, the second ∝ weight among the rest, the lower cost wins and a tie
 * keeps the first draw.
 */
function twoChoiceShares(candidates: readonly CompiledOrigin[], signals: SteeringSignals): number[] {
  if (candidates.length === 1) return [1];
  const cost = candidates.map((o) => (signals.latencyMs(o.id) ?? FAILURE_PENALTY_MS) * (signals.outstanding(o.id) + 1));
  const w = candidates.map((o) => o.weight);
  const total = w.reduce((a, b) => a + b, 0);
  return candidates.map((_, i) => {
    let p = 0;
    const wi = w[i] ?? 0;
    const ci = cost[i] ?? 0;
    for (let j = 0; j < candidates.length; j++) {
      if (j === i) continue;
      const wj = w[j] ?? 0;
      const cj = cost[j] ?? 0;
      if (!(cj < ci)) p += (wi / total) * (wj / (total - wi));
      if (ci < cj) p += (wj / total) * (wi / (total - wj));
    }
    return p;
  });
}

/** Each candidate's share of the pool's requests under its steering (or under affinity hashing). */
function candidateShares(
  pool: CompiledPool,
  candidates: readonly CompiledOrigin[],
  signals: SteeringSignals,
  hashedByAffinity: boolean,
): number[] {
  const policy: PoolSteeringName = hashedByAffinity ? "hash" : pool.source.steering;
  let weights: number[];
  switch (policy) {
    case "round_robin":
      weights = candidates.map(() => 1);
      break;
    case "least_outstanding":
      weights = candidates.map((o) => o.weight / (signals.outstanding(o.id) + 1));
      break;
    case "latency":
      return twoChoiceShares(candidates, signals);
    default:
      weights = candidates.map((o) => o.weight);
  }
  return candidates.map((_, i) => shareOf(weights, i));
}

function exclusionOf(origin: CompiledOrigin, facts: OriginHealthFacts, health: ExplainHealth): OriginExclusion {
  if (!origin.enabled) return "disabled";
  if (!(origin.weight > 0)) return "weight-zero";
  if (!health.view.isHealthy(origin.id))
    return facts.ejection !== undefined && health.probeOnly.isHealthy(origin.id) ? "ejected" : "unhealthy";
  return "pool-down";
}

function explainOrigins(pool: CompiledPool, view: PoolView, input: ExplainInput, hashedByAffinity: boolean): ExplainedOrigin[] {
  const { health, signals } = input;
  const configured = input.configured ?? input.config;
  const shares = candidateShares(pool, view.candidates, signals, hashedByAffinity);
  return pool.origins.map((origin) => {
    const facts = health.origin(origin.id);
    const index = view.candidates.indexOf(origin);
    const stored = configured.origins.get(origin.id);
    const { status, ejection } = facts;
    return {
      id: origin.id,
      url: origin.url,
      registered: stored === undefined,
      enabled: origin.enabled,
      configuredWeight: stored?.weight ?? null,
      weight: origin.weight,
      overrides: facts.overrides,
      healthy: health.view.isHealthy(origin.id),
      status:
        status === undefined
          ? null
          : {
              healthy: status.healthy,
              reason: status.reason,
              since: status.since,
              lastProbeAt: status.lastProbeAt ?? null,
              forced: facts.overrides.some((o) => o.kind === "health"),
            },
      ejection:
        ejection === undefined
          ? null
          : { kind: ejection.kind, at: ejection.at, until: ejection.until, count: ejection.count, reason: ejection.reason },
      candidate: index >= 0,
      excluded: index >= 0 ? null : exclusionOf(origin, facts, health),
      share: index >= 0 ? (shares[index] ?? 0) : 0,
      latencyMs: signals.latencyMs(origin.id) ?? null,
      outstanding: signals.outstanding(origin.id),
    };
  });
}

function outlierSummary(pool: CompiledPool, health: ExplainHealth): ExplainedPool["outlierDetection"] {
  const s = pool.source.outlierDetection;
  const ejected = pool.origins.filter((o) => health.origin(o.id).ejection !== undefined).length;
  // As the detector's room check: floor(n × pct / 100), at least one unless pct is 0.
  const maxEjected = s.maxEjectionPercent <= 0 ? 0 : Math.max(1, Math.floor((pool.origins.length * s.maxEjectionPercent) / 100));
  return { enabled: s.enabled, ejected, maxEjected, maxEjectionPercent: s.maxEjectionPercent, atLimit: s.enabled && ejected >= maxEjected };
}

function explainPool(
  pool: CompiledPool,
  role: ExplainedPool["role"],
  position: number | null,
  verdict: ExplainedPool["verdict"],
  input: ExplainInput,
  hashedByAffinity: boolean,
): ExplainedPool {
  const view = viewPool(pool, input.health.view);
  // A pool that is down serves nobody; the fallback pool serves whatever its minHealthy, with
  // its healthy origins only, even below its panic threshold (as selectInOrder).
  let candidates = view.candidates;
  if (role === "fallback" && view.panic) candidates = candidates.filter((o) => input.health.view.isHealthy(o.id));
  else if (role === "route" && !view.up) candidates = [];
  const shown = { ...view, candidates };
  return {
    id: pool.id,
    role,
    position,
    verdict,
    steering: pool.source.steering,
    up: view.up,
    healthy: view.healthy,
    enabled: view.enabled,
    minHealthy: pool.source.minHealthy,
    panic: view.panic,
    panicThreshold: pool.source.panicThreshold,
    candidates: shown.candidates.map((o) => o.id),
    outlierDetection: outlierSummary(pool, input.health),
    origins: explainOrigins(pool, shown, input, hashedByAffinity),
  };
}

/** The walk selectInOrder makes, pool by pool, with the verdict for each. */
function explainPools(
  route: CompiledRoute,
  order: readonly CompiledPool[],
  served: Selection | undefined,
  input: ExplainInput,
  hashedByAffinity: boolean,
): ExplainedPool[] {
  let reached = false;
  const out = order.map((pool, i) => {
    const view = viewPool(pool, input.health.view);
    let verdict: ExplainedPool["verdict"];
    // The serving pool may sit anywhere in the order: an affinity pin, or the ejection override
    // (which serves from a pool that is down while its ejected origins count).
    if (served !== undefined && !served.fallback && served.pool === pool) {
      verdict = "serves";
      reached = true;
    } else if (reached) verdict = "not-reached";
    else if (!view.up) verdict = "down";
    else verdict = view.candidates.length === 0 ? "no-candidates" : "not-reached";
    return explainPool(pool, "route", i + 1, verdict, input, hashedByAffinity);
  });
  if (route.fallback !== undefined)
    out.push(explainPool(route.fallback, "fallback", null, served?.fallback === true ? "serves" : "standby", input, hashedByAffinity));
  return out;
}

// ---- affinity and hash keys -------------------------------------------------------------

interface AffinityFacts {
  readonly explained: ExplainedAffinity | null;
  readonly key: string | undefined;
  readonly pin: PinState | undefined;
}

async function explainAffinity(route: CompiledRoute, input: ExplainInput, order: readonly CompiledPool[]): Promise<AffinityFacts> {
  const affinity = route.source.affinity;
  if (affinity === undefined) return { explained: null, key: undefined, pin: undefined };
  const { headers, client } = input.request;
  const base = { type: affinity.type, onFailure: affinity.onFailure, ttlSeconds: affinity.ttlSeconds };
  if (affinity.type === "cookie") {
    const name = affinity.name ?? DEFAULT_AFFINITY_COOKIE;
    const value = parseCookies(headers.get("cookie")).get(name);
    const verify = input.verifyCookie;
    if (verify === undefined) {
      return {
        explained: {
          ...base,
          name,
          key: null,
          cookie: { present: value !== undefined, verdict: "no-key", pinned: null, state: "none" },
          home: null,
          effect: "cookie affinity is off: no AFFINITY_KEY or ADMIN_TOKEN to sign cookies with",
        },
        key: undefined,
        pin: undefined,
      };
    }
    const pinned = value === undefined ? undefined : await verify(route.id, value);
    const pin = pinState(route, pinned, input.health.view);
    const verdict = value === undefined ? "absent" : pinned === undefined ? "invalid" : "verified";
    let effect: string;
    if (pin.kind === "usable")
      effect = `the first try goes to the pinned origin ${pin.selection.origin.id} (pins hold while it is enabled and healthy, drained too)`;
    else if (pin.kind === "unavailable")
      effect =
        affinity.onFailure === "none"
          ? `the pinned origin ${pin.originId} is unhealthy and onFailure is "none": the request fails with 503`
          : `the pinned origin ${pin.originId} is unhealthy: steering serves elsewhere and ${affinity.onFailure === "sticky" ? "the cookie moves to the origin that serves" : "the cookie keeps its pin"}`;
    else
      effect =
        verdict === "absent"
          ? "no pin yet: steering picks, and the response pins the origin that serves"
          : verdict === "invalid"
            ? "the cookie does not verify (malformed, forged, expired or for another route): ignored, steering picks and a new pin is written"
            : "the pinned origin is not an enabled origin of this route: steering picks and a new pin is written";
    return {
      explained: {
        ...base,
        name,
        key: null,
        cookie: { present: value !== undefined, verdict, pinned: pinned ?? null, state: pin.kind },
        home: null,
        effect,
      },
      key: undefined,
      pin,
    };
  }
  const name = affinity.type === "header" ? (affinity.name ?? DEFAULT_AFFINITY_HEADER) : null;
  const key = affinity.type === "ip" ? client.ip : (headers.get(name ?? DEFAULT_AFFINITY_HEADER) ?? undefined);
  let home: ExplainedAffinity["home"] = null;
  if (key !== undefined && affinity.onFailure === "none") {
    // As selectInOrder's strict check: the key's origin among all enabled origins of the first pool.
    const first = order[0];
    const origin =
      first === undefined
        ? undefined
        : rendezvousPick(
            key,
            first.origins.filter((o) => o.enabled && o.weight > 0),
          );
    if (first !== undefined && origin !== undefined)
      home = { pool: first.id, origin: origin.id, healthy: input.health.view.isHealthy(origin.id) };
  }
  const source = affinity.type === "ip" ? "the client IP" : `header ${name ?? ""}`;
  const effect =
    key === undefined
      ? `the request has no ${source}: no affinity key, steering as usual`
      : `every pool picks by rendezvous hash on ${source}, whatever its own steering${affinity.onFailure === "none" ? '; onFailure "none": only the key\'s origin in the first pool may serve, with no retries' : "; an unhealthy origin's keys move to their next-highest origin"}`;
  return { explained: { ...base, name, key: key ?? null, cookie: null, home, effect }, key, pin: undefined };
}

/** Where a pool's `hash` key comes from and its value in this request. */
function hashKeyOf(pool: CompiledPool, request: Request, client: ClientInfo): { from: string; value: string | undefined } {
  const spec = pool.source.hash ?? DEFAULT_HASH_KEY;
  const from = "header" in spec ? `header ${spec.header}` : "cookie" in spec ? `cookie ${spec.cookie}` : "client IP";
  return { from, value: requestHashKey(request, spec, client.ip) };
}

// ---- putting it together --------------------------------------------------------------

function combine(a: Basis, b: Basis): Basis {
  if (a === "draw" || b === "draw") return "draw";
  if (a === "rotation" || b === "rotation") return "rotation";
  return "deterministic";
}

function poolBasis(policy: PoolSteeringName, candidates: number, hashKeyPresent: boolean): Basis {
  if (candidates <= 1) return "deterministic";
  if (policy === "random" || policy === "latency") return "draw";
  if (policy === "hash" && hashKeyPresent) return "deterministic";
  return "rotation";
}

const POOL_WHY: Readonly<Record<PoolSteeringName, string>> = {
  weighted: "weighted: smooth weighted round robin, share = weight ÷ sum",
  round_robin: "round_robin: each candidate in turn, weights ignored",
  random: "random: one draw, share = weight ÷ sum",
  least_outstanding: "least_outstanding: smooth weighted round robin over weight ÷ (outstanding + 1)",
  latency: "latency: power of two choices over latency × (outstanding + 1); the shares are the exact odds",
  hash: "hash: rendezvous hashing on the request key, share of keys = weight ÷ sum",
};

/** Builds the explanation. */
export async function explain(input: ExplainInput): Promise<Explanation> {
  const { config, request, health } = input;
  const { url, client } = request;
  const route = config.table.match(url.host, url.pathname);
  // Key order is reading order: the answer first, then how it came about.
  const head = (outcome: Outcome) => ({
    configVersion: config.version,
    request: { url: url.href, method: request.method, host: url.host, path: url.pathname },
    outcome,
    health: health.source,
    route:
      route === undefined
        ? null
        : { id: route.id, match: { host: route.match.host, pathPrefix: route.match.pathPrefix }, steering: route.source.steering },
    routesConsidered: consideredRoutes(config, url, route),
    client: explainClient(client, request.clientSources),
  });
  if (route === undefined) {
    return {
      ...head({
        kind: "error",
        status: 404,
        code: "no_route",
        message: `no route for ${url.hostname}${url.pathname}: Edgeway answers 404`,
      }),
      affinity: null,
      routeSteering: null,
      pools: [],
      poolSteering: null,
      valves: null,
      retries: null,
    };
  }

  // A Request only to read headers and cookies the way the data plane reads them.
  const asRequest = new Request(url, { headers: request.headers });
  const memory = createMemoryStore();
  const selectInput = (view: HealthView, exclude: ReadonlySet<string>, affinityKey: string | undefined): SelectInput => ({
    route,
    client,
    random: input.random,
    memory,
    health: view,
    exclude,
    signals: input.signals,
    hashKey: (pool) => affinityKey ?? (pool.source.steering === "hash" ? hashKeyOf(pool, asRequest, client).value : undefined),
    affinityKey,
    affinityStrict: route.source.affinity?.onFailure === "none",
  });

  const order = routeOrder(selectInput(health.view, new Set(), undefined));
  const affinity = await explainAffinity(route, input, order);
  const affinityKey = affinity.key;
  const pin = affinity.pin;

  /** The data plane's `select`: the pin for the first try, else steering, else steering with ejections ignored. */
  const steer = (exclude: ReadonlySet<string>, firstOrder?: readonly CompiledPool[]): TryPick | undefined =>
    pickForTry(
      exclude,
      pin?.kind === "usable" ? pin.selection : undefined,
      (ignoreEjections) => {
        if (ignoreEjections) return selectOrigin(selectInput(health.probeOnly, exclude, affinityKey));
        const base = selectInput(health.view, exclude, affinityKey);
        return firstOrder === undefined ? selectOrigin(base) : selectInOrder(firstOrder, base);
      },
      () => health.anyEjected,
    );

  const strictFail = pin?.kind === "unavailable" && route.source.affinity?.onFailure === "none";
  const first = strictFail ? undefined : steer(new Set(), order);
  const routeSteering = explainRouteSteering(route, order, client, health.view, input.signals);
  const hashedByAffinity = affinityKey !== undefined;
  const pools = explainPools(route, order, first?.selection, input, hashedByAffinity);
  const retries = retryPlan(route, request.method, first, steer, affinityKey !== undefined || pin?.kind === "usable");

  let poolSteering: ExplainedPoolSteering | null = null;
  let outcome: Outcome;
  if (first === undefined) {
    outcome = strictFail
      ? {
          kind: "error",
          status: 503,
          code: "affine_origin_unavailable",
          message: `the origin this session is pinned to ("${pin.kind === "unavailable" ? pin.originId : ""}") is unhealthy and affinity onFailure is "none": Edgeway answers 503`,
        }
      : {
          kind: "error",
          status: 503,
          code: "no_healthy_origin",
          message: `no pool of route "${route.id}" can serve${route.fallback === undefined ? "" : ", nor its fallback pool"}${affinity.explained?.home?.healthy === false ? ` (affinity onFailure "none": the key's origin ${affinity.explained.home.origin} is unhealthy)` : ""}: Edgeway answers 503`,
        };
  } else {
    const { selection } = first;
    const candidates = viewPool(selection.pool, first.ejectionOverride ? health.probeOnly : health.view).candidates.length;
    const hashKey = hashedByAffinity
      ? {
          from: route.source.affinity?.type === "ip" ? "affinity: client IP" : `affinity: header ${affinity.explained?.name ?? ""}`,
          value: affinityKey,
        }
      : selection.pool.source.steering === "hash"
        ? hashKeyOf(selection.pool, asRequest, client)
        : undefined;
    const steeredBy = first.pinned ? "affinity-cookie" : hashedByAffinity ? "affinity-key" : "policy";
    const inPool: Basis = first.pinned
      ? "deterministic"
      : poolBasis(hashedByAffinity ? "hash" : selection.pool.source.steering, candidates, hashKey?.value !== undefined);
    const basis = first.pinned ? "deterministic" : combine(routeSteering.basis, inPool);
    poolSteering = {
      pool: selection.pool.id,
      policy: selection.pool.source.steering,
      steeredBy,
      basis: inPool,
      hashKey: hashKey === undefined ? null : { from: hashKey.from, value: hashKey.value ?? null },
      pick: selection.origin.id,
      why: first.pinned
        ? "the affinity cookie's pin decides the first try"
        : hashedByAffinity
          ? "session affinity: rendezvous hash on the affinity key, whatever the pool's steering"
          : `${POOL_WHY[selection.pool.source.steering]}${selection.pool.source.steering === "hash" && hashKey?.value === undefined ? " (the request has no key: smooth weighted round robin instead)" : ""}${candidates <= 1 ? "; one candidate" : ""}`,
    };
    const how =
      basis === "deterministic"
        ? ""
        : basis === "draw"
          ? " (one draw: see the shares)"
          : " (where a fresh rotation starts: see the shares)";
    outcome = {
      kind: "origin",
      pool: selection.pool.id,
      origin: selection.origin.id,
      basis,
      fallback: selection.fallback,
      panic: selection.panic,
      ejectionOverride: first.ejectionOverride,
      pinned: first.pinned,
      message: `route ${route.id} → pool ${selection.pool.id} → origin ${selection.origin.id}${how}`,
    };
  }

  return {
    ...head(outcome),
    affinity: affinity.explained,
    routeSteering,
    pools,
    poolSteering,
    valves: valves(route, pools, first, health),
    retries,
  };
}

function valves(
  route: CompiledRoute,
  pools: readonly ExplainedPool[],
  first: TryPick | undefined,
  health: ExplainHealth,
): NonNullable<Explanation["valves"]> {
  const panicking = pools.filter((p) => p.role === "route" && p.panic).map((p) => p.id);
  const atLimit = pools.filter((p) => p.outlierDetection.atLimit).map((p) => p.id);
  const ejected = [...new Set(pools.flatMap((p) => p.origins.filter((o) => o.ejection !== null).map((o) => o.id)))];
  const fallbackId = route.fallback?.id;
  const usedFallback = first?.selection.fallback === true;
  return {
    panic: {
      active: first?.selection.panic === true,
      pools: panicking,
      detail:
        panicking.length === 0
          ? "no pool is below its panic threshold"
          : `below their panic threshold, ${panicking.join(", ")} spread traffic over all enabled origins, healthy or not (Envoy's panic mode)${first?.selection.panic === true ? `; the serving pool ${first.selection.pool.id} is one of them` : ""}`,
    },
    fallbackPool: {
      active: usedFallback,
      pools: fallbackId === undefined ? [] : [fallbackId],
      detail:
        fallbackId === undefined
          ? "the route has no fallback pool"
          : usedFallback
            ? `no pool in the order could serve: the fallback pool ${fallbackId} serves with its healthy origins`
            : `fallback pool ${fallbackId} is not needed`,
    },
    ejectionOverride: {
      active: first?.ejectionOverride === true,
      pools: first?.ejectionOverride === true ? [first.selection.pool.id] : [],
      detail:
        first?.ejectionOverride === true
          ? `outlier ejections (${ejected.join(", ")}) left the route nothing to serve: ejected origins serve as if they were not, by probe health alone`
          : health.anyEjected
            ? `origins are ejected (${ejected.join(", ") || "in other pools"}), but others can serve: not needed`
            : "no origin is ejected",
    },
    maxEjectionPercent: {
      active: atLimit.length > 0,
      pools: atLimit,
      detail:
        atLimit.length === 0
          ? "no pool has reached its maxEjectionPercent"
          : `${atLimit.join(", ")} already eject as many origins as maxEjectionPercent allows: further failing origins stay in service`,
    },
  };
}

function retryPlan(
  route: CompiledRoute,
  method: string,
  first: TryPick | undefined,
  steer: (exclude: ReadonlySet<string>) => TryPick | undefined,
  affine: boolean,
): RetryPlan {
  const r = route.source.retries;
  const strict = affine && route.source.affinity?.onFailure === "none";
  const methodAllowed = r.methods.includes(method);
  const allowed = r.attempts > 0 && methodAllowed && !strict;
  let why: string;
  if (r.attempts === 0) why = "retries.attempts is 0";
  else if (strict) why = 'session affinity with onFailure "none" never moves a session to another origin, not even to retry';
  else if (!methodAllowed) why = `retries.methods does not include ${method}`;
  else
    why = `up to ${r.attempts} retr${r.attempts === 1 ? "y" : "ies"}, each on the next origin steering picks, when a try fails with one of retries.on, within the route's deadline and retry budget, for bodies up to retries.maxBodyBytes`;
  const tries: PlannedTry[] = [];
  const tried = new Set<string>();
  const maxTries = allowed ? 1 + r.attempts : 1;
  for (let next = first, attempt = 1; next !== undefined; attempt++) {
    const { selection } = next;
    tries.push({
      attempt,
      pool: selection.pool.id,
      origin: selection.origin.id,
      fallback: selection.fallback,
      panic: selection.panic,
      ejectionOverride: next.ejectionOverride,
      pinned: next.pinned,
    });
    tried.add(selection.origin.id);
    next = attempt < maxTries ? steer(tried) : undefined;
  }
  const hedge = route.source.hedge;
  return {
    attempts: r.attempts,
    allowed,
    why,
    on: r.on,
    methods: r.methods,
    budgetPercent: r.budgetPercent,
    minRetriesPerSecond: r.minRetriesPerSecond,
    maxBodyBytes: r.maxBodyBytes,
    timeoutMs: route.source.timeoutMs,
    perTryTimeoutMs: r.perTryTimeoutMs ?? null,
    hedgeDelayMs: hedge !== undefined && allowed && (method === "GET" || method === "HEAD") ? hedge.delayMs : null,
    tries,
  };
}
