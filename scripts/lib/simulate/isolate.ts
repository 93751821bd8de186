/**
 * One colo's isolate in the simulator, wired to the core as src/data-plane.ts wires the
 * worker's: the same LatencyTracker, OutstandingTracker, OutlierDetector, steering memory
 * and RetryBudget; the same signals (outstanding per origin and per pool, peak-EWMA per
 * origin and per pool); the same health view (probe health and not ejected), remade when
 * probe health or the set of ejected origins changes; the same pickForTry rule (with the
 * ejection valve); and the same bookkeeping after each try (outstanding down, latency
 * observed for origin and pool, failures counted as the latency tracker and the outlier
 * detector count them). Only the clock is virtual. What the Durable Object carries between
 * isolates (other colos' ejections, probe results) the engine delivers (engine.ts).
 */
import type { CompiledPool, CompiledRoute } from "../../../src/config/compile.ts";
import { classifyTry, OutlierDetector } from "../../../src/health/outlier.ts";
import type { Ejection, OutlierPool } from "../../../src/health/outlier.ts";
import { RetryBudget } from "../../../src/proxy/retry-budget.ts";
import type { ClientInfo } from "../../../src/routing/client.ts";
import { LatencyTracker } from "../../../src/steering/latency.ts";
import { OutstandingTracker } from "../../../src/steering/outstanding.ts";
import { createMemoryStore, createSelectionCache, pickForTry, selectOrigin } from "../../../src/steering/select.ts";
import type { HealthView, Selection, SelectionCache } from "../../../src/steering/select.ts";
import type { RandomSource, SteeringSignals } from "../../../src/steering/types.ts";
import type { SimTry } from "./model.ts";
import type { Colo } from "./world.ts";

/** Probe health as the Durable Object's snapshot carries it; `version` changes whenever an origin's state does. */
export interface ProbeHealth {
  readonly version: number;
  isHealthy(originId: string): boolean;
}

/** OutlierPool per compiled pool, as src/health/passive.ts keeps them. */
const outlierPools = new WeakMap<CompiledPool, OutlierPool>();
function outlierPool(pool: CompiledPool): OutlierPool {
  let p = outlierPools.get(pool);
  if (p === undefined) {
    p = { id: pool.id, originIds: pool.origins.map((o) => o.id), settings: pool.source.outlierDetection };
    outlierPools.set(pool, p);
  }
  return p;
}

/** The signal keys one try counts under: its origin and its pool (data-plane.ts trackKeys). */
function trackKeys(selection: Selection): string[] {
  return [selection.origin.id, selection.pool.key];
}

export class SimIsolate {
  readonly colo: Colo;
  readonly client: ClientInfo;
  readonly latency = new LatencyTracker();
  readonly outstanding = new OutstandingTracker();
  readonly outliers = new OutlierDetector();
  readonly budget = new RetryBudget();
  memory = createMemoryStore();
  /** What steering reads: the measured signals, or a what-if's change of them. */
  readonly signals: SteeringSignals;
  readonly #measured: SteeringSignals = {
    outstanding: (key) => this.outstanding.get(key),
    latencyMs: (key) => this.latency.estimate(key),
  };
  readonly #probes: ProbeHealth;
  #now = 0;
  #inForce: { route: CompiledRoute; version: number; epoch: number; live: HealthView; cache: SelectionCache } | undefined;
  #probeOnly: { route: CompiledRoute; version: number; view: HealthView; cache: SelectionCache } | undefined;

  constructor(colo: Colo, probes: ProbeHealth, whatIf?: (signals: SteeringSignals) => SteeringSignals) {
    this.colo = colo;
    this.signals = whatIf === undefined ? this.#measured : whatIf(this.#measured);
    this.client = { colo: colo.code, country: colo.country, continent: colo.continent, lat: colo.lat, lon: colo.lon };
    this.#probes = probes;
  }

  /** The origin for the next try of a request on `route` at `now`, `exclude` holding the origins tried. */
  select(route: CompiledRoute, exclude: ReadonlySet<string>, now: number, random: RandomSource): Selection | undefined {
    this.#now = now;
    const live = this.#live(route, now);
    const steer = (ignoreEjections: boolean): Selection | undefined => {
      const view = ignoreEjections ? this.#probeView(route) : { view: live.live, cache: live.cache };
      return selectOrigin({
        route,
        client: this.client,
        random,
        memory: this.memory,
        health: view.view,
        exclude,
        signals: this.signals,
        hashKey: () => undefined,
        cache: view.cache,
      });
    };
    return pickForTry(exclude, undefined, steer, () => this.outliers.anyEjected(now))?.selection;
  }

  /** A try was sent (data-plane.ts onTryStart). */
  startTry(selection: Selection): void {
    this.outstanding.start(trackKeys(selection));
  }

  /** A try ended at `now` (data-plane.ts recordTry, less the metrics); returns the ejection it caused, if any. */
  finishTry(selection: Selection, outcome: SimTry, now: number): Ejection | undefined {
    const keys = trackKeys(selection);
    this.outstanding.finish(keys);
    const ok = outcome.kind === "response" && (outcome.status ?? 500) < 500;
    for (const key of keys) this.latency.observe(key, outcome.durationMs, ok, now);
    const result = classifyTry(outcome.kind, outcome.status);
    if (result === undefined) return undefined;
    const detail = outcome.kind === "response" ? `HTTP ${outcome.status}` : outcome.kind;
    return this.outliers.observe(selection.origin.id, outlierPool(selection.pool), result, now, detail);
  }

  /** The health view in force: probe health and not ejected; remade when either changes (data-plane.ts currentHealth). */
  #live(route: CompiledRoute, now: number): { live: HealthView; cache: SelectionCache } {
    this.outliers.expire(now);
    const version = this.#probes.version;
    const epoch = this.outliers.epoch;
    const f = this.#inForce;
    if (f !== undefined && f.route === route && f.version === version && f.epoch === epoch) return f;
    const probes = this.#probes;
    const live: HealthView = { isHealthy: (id) => probes.isHealthy(id) && !this.outliers.isEjected(id, this.#now) };
    const next = { route, version, epoch, live, cache: createSelectionCache() };
    this.#inForce = next;
    return next;
  }

  #probeView(route: CompiledRoute): { view: HealthView; cache: SelectionCache } {
    const version = this.#probes.version;
    const p = this.#probeOnly;
    if (p !== undefined && p.route === route && p.version === version) return p;
    const probes = this.#probes;
    const next = { route, version, view: { isHealthy: (id: string) => probes.isHealthy(id) }, cache: createSelectionCache() };
    this.#probeOnly = next;
    return next;
  }
}
