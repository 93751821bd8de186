/** Every pool the walk meets, with its verdict, health counts, outlier summary and origins. */
import type { CompiledOrigin, CompiledPool, CompiledRoute } from "../../config/compile.ts";
import type { PoolView, Selection } from "../select.ts";
import { viewPool } from "../select.ts";
import type { ExplainHealth, ExplainInput, OriginHealthFacts } from "./input.ts";
import type { ExplainedOrigin, ExplainedPool, OriginExclusion } from "./trace.ts";
import { candidateShares } from "./shares.ts";

function exclusionOf(origin: CompiledOrigin, facts: OriginHealthFacts, health: ExplainHealth): OriginExclusion {
  if (!origin.enabled) return "disabled";
  if (health.view.isGone?.(origin.id) === true) return "gone";
  if (!(origin.weight > 0)) return "weight-zero";
  if (!health.view.isHealthy(origin.id))
    return facts.ejection !== undefined && health.probeOnly.isHealthy(origin.id) ? "ejected" : "unhealthy";
  return "pool-down";
}

function explainOrigins(pool: CompiledPool, view: PoolView, input: ExplainInput, hashedByAffinity: boolean): ExplainedOrigin[] {
  const { health, signals } = input;
  const configured = input.configured ?? input.config;
  const shares = candidateShares(pool, view.candidates, signals, hashedByAffinity);
  const live = pool.source.loadAware?.enabled === true ? signals.liveWeights?.(pool) : undefined;
  return pool.origins.map((origin) => {
    const facts = health.origin(origin.id);
    const index = view.candidates.indexOf(origin);
    const stored = configured.origins.get(origin.id);
    const { status, ejection } = facts;
    return {
      id: origin.id,
      url: origin.url,
      registered: facts.source === "registration" || (stored === undefined && facts.source === "config"),
      source: facts.source === "config" && stored === undefined ? "registration" : facts.source,
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
      latencyMs: signals.latencyMs(origin.id, pool.source.latency.decaySeconds * 1_000) ?? null,
      latencyAgeMs: signals.latencyAgeMs?.(origin.id) ?? null,
      outstanding: signals.outstanding(origin.id),
      liveWeight: live?.get(origin.id) ?? null,
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
    latency: pool.source.steering === "latency" ? pool.source.latency : null,
    outlierDetection: outlierSummary(pool, input.health),
    origins: explainOrigins(pool, shown, input, hashedByAffinity),
  };
}

/** The walk selectInOrder makes, pool by pool, with the verdict for each. */
export function explainPools(
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
