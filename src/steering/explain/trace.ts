/**
 * The trace model: the shape of an explanation, in the order it reads — the outcome, the
 * route and client, affinity, the route policy's pool order, every pool and origin, the
 * pool policy's pick, the valves and the retry plan. Types only.
 */
import type { LatencySettings } from "../latency.ts";
import type { LiveWeight } from "../load-weights.ts";
import type { Coordinates } from "../../config/compile.ts";
import type { PoolSteeringName, Route } from "../../config/schema.ts";
import type { ClientLocation } from "../../routing/centroids/index.ts";
import type { EjectionKind } from "../../health/outlier.ts";
import type { PinState } from "../affinity.ts";
import type { HealthSource, OverrideFact } from "./input.ts";

/** How far a pick shown can be repeated: deterministic (the data plane picks the same), rotation (where a fresh per-isolate rotation starts), draw (one random draw). */
export type Basis = "deterministic" | "rotation" | "draw";

/** A client field and where it came from. */
export interface ClientValue<T> {
  readonly value: T;
  readonly source: string;
}

/** The client as steering sees it. */
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

/** A route match as explain shows it (config/match-schema.ts RouteMatch, the path as written). */
export interface ExplainedMatch {
  readonly host: string;
  readonly pathPrefix?: string;
  readonly path?: { readonly type: "Exact" | "RegularExpression"; readonly value: string };
  readonly method?: string;
  readonly headers?: { readonly name: string; readonly type: string; readonly value: string }[];
  readonly queryParams?: { readonly name: string; readonly type: string; readonly value: string }[];
}

/** Route matching for the request: every candidate match in the order tried, with its field verdicts, the winner and why. */
export interface ExplainedMatching {
  readonly candidates: {
    readonly route: string;
    readonly match: number;
    readonly host: string;
    readonly held: boolean;
    readonly fields: { readonly field: string; readonly want: string; readonly got: string | null; readonly held: boolean }[];
  }[];
  readonly winner: { readonly route: string; readonly match: number } | null;
  readonly why: string;
}

/** One route of the config with its host and path verdicts for the request. */
export interface ConsideredRoute {
  readonly id: string;
  readonly match: ExplainedMatch;
  readonly hostMatches: boolean;
  readonly pathMatches: boolean;
  readonly chosen: boolean;
}

/** The route's session affinity and what it does to this request. */
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

/** One pool of the route as the route policy weighs it. */
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
  /** latency: the pool's latency estimate from this edge location (decayed to now), and the cost steering compares. */
  readonly latencyMs: number | null;
  readonly costMs: number | null;
  /** latency: ms since the pool's last sample (null: never measured), and whether it is due for exploring. */
  readonly latencyAgeMs: number | null;
  readonly stale: boolean | null;
}

/** The route policy's pool order, its inputs and why. */
export interface ExplainedRouteSteering {
  readonly policy: Route["steering"];
  readonly basis: Basis;
  readonly order: string[];
  readonly why: string;
  /** geo (and proximity without a client location): the most specific geo key that matched; null: none did. */
  readonly geoMatch: { readonly kind: "colo" | "country" | "continent"; readonly code: string } | null;
  /** latency: share of requests that may explore a stale pool (explorePercent ÷ 100). */
  readonly exploreShare: number | null;
  /** latency: the route's latency knobs in force (defaults filled in). */
  readonly latency: LatencySettings | null;
  readonly pools: ExplainedRoutePool[];
}

/** Why an origin cannot take the first try: its own state, else its pool being down. */
export type OriginExclusion = "disabled" | "gone" | "weight-zero" | "unhealthy" | "ejected" | "pool-down";

/** One origin of a pool: its weight, health, ejection, overrides and share. */
export interface ExplainedOrigin {
  readonly id: string;
  readonly url: string;
  /** Joined by registration rather than the config document. */
  readonly registered: boolean;
  /** "config", "registration" or "dns:<name>". */
  readonly source: string;
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
  /** Load-aware pools: the weight its load reports give, or why it has none (load-weights.ts); null in other pools. */
  readonly liveWeight: LiveWeight | null;
  /** Its share of the pool's requests under the pool's steering (0 when not a candidate). */
  readonly share: number;
  /** This isolate's latency estimate from this colo, decayed to now with the pool's decay time (null: never measured). */
  readonly latencyMs: number | null;
  /** Milliseconds since its last latency sample (null: never measured). */
  readonly latencyAgeMs: number | null;
  readonly outstanding: number;
}

/** One pool in the walk: its verdict, health counts, panic, candidates and origins. */
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
  /** The pool's latency knobs in force when its steering is `latency`, else null. */
  readonly latency: LatencySettings | null;
  readonly outlierDetection: {
    readonly enabled: boolean;
    readonly ejected: number;
    readonly maxEjected: number;
    readonly maxEjectionPercent: number;
    readonly atLimit: boolean;
  };
  readonly origins: ExplainedOrigin[];
}

/** The pick inside the serving pool and what decided it. */
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

/** A safety valve: whether it acts on this request, the pools it concerns, and why. */
export interface Valve {
  readonly active: boolean;
  readonly pools: string[];
  readonly detail: string;
}

/** One try of the retry plan. */
export interface PlannedTry {
  readonly attempt: number;
  readonly pool: string;
  readonly origin: string;
  readonly fallback: boolean;
  readonly panic: boolean;
  readonly ejectionOverride: boolean;
  readonly pinned: boolean;
}

/** The route's retry settings as they apply to this request, and where each try would go. */
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

/** Where the first try goes, or the error Edgeway would answer with. */
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

/** The whole answer, in reading order: the outcome first, then how it came about. */
export interface Explanation {
  readonly configVersion: number;
  readonly request: { readonly url: string; readonly method: string; readonly host: string; readonly path: string };
  readonly outcome: Outcome;
  readonly health: HealthSource;
  readonly route: {
    readonly id: string;
    readonly match: ExplainedMatch;
    readonly steering: Route["steering"];
  } | null;
  readonly routesConsidered: ConsideredRoute[];
  readonly matching: ExplainedMatching;
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
