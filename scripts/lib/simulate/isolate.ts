/**
 * One colo's isolate in the simulator, wired to the core as src/data-plane.ts wires the
 * worker's: the same LatencyTracker, OutstandingTracker, OutlierDetector, steering memory
 * and RetryBudget; the same signals (outstanding per origin and per pool, peak-EWMA per
 * origin and per pool); the same health view (probe health and not ejected), remade when
 * probe health or the set of ejected origins changes; the same pickForTry rule (with the
 * ejection valve); and the same bookkeeping after each try (outstanding down, latency
 * observed for origin and pool, failures counted as the latency tracker and the outlier
 * detector count them). Only the clock is virtual. Health arrives as the worker's does, in
 * health snapshots (src/health/snapshot.ts) that the engine plays the Durable Object for.
 */
import type { CompiledRoute } from "../../../src/config/compile.ts";
import { classifyTry, OutlierDetector, outlierPool } from "../../../src/health/outlier.ts";
import type { Ejection } from "../../../src/health/outlier.ts";
import { RetryBudget } from "../../../src/proxy/retry-budget.ts";
import type { ClientInfo } from "../../../src/routing/client.ts";
import { LatencyTracker } from "../../../src/steering/latency.ts";
import { isLoadAware, LoadTracker } from "../../../src/steering/load-tracker.ts";
import { latencySignals, recordTryLatency } from "../../../src/steering/latency-colo.ts";
import { OutstandingTracker } from "../../../src/steering/outstanding.ts";
import { createMemoryStore, createSelectionCache, pickForTry, selectOrigin } from "../../../src/steering/select.ts";
import type { HealthView, Selection, SelectionCache } from "../../../src/steering/select.ts";
import { healthView, syncFromSnapshot } from "../../../src/health/passive.ts";
import type { HealthSnapshot } from "../../../src/health/snapshot.ts";
import type { RandomSource, SteeringSignals } from "../../../src/steering/types.ts";
import type { SimTry } from "./model.ts";
import type { Colo } from "./world.ts";

/** What a health view and its selection cache were made for. */
interface Held {
  readonly route: CompiledRoute;
  readonly snapshot: HealthSnapshot | undefined;
  readonly cache: SelectionCache;
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
  /** Load reports and the live weights of load-aware pools (src/steering/load-tracker.ts). */
  readonly load = new LoadTracker();
  readonly #measured: SteeringSignals = {
    ...latencySignals(
      this.latency,
      (key) => this.outstanding.get(key),
      () => this.#now,
      undefined,
      (key) => this.outstanding.usual(key),
    ),
    liveWeights: (pool) => this.load.weightsFor(pool, this.#now),
  };
  #now = 0;
  readonly #clock = (): number => this.#now;
  #snapshot: HealthSnapshot | undefined;
  #inForce: (Held & { readonly epoch: number; readonly live: HealthView }) | undefined;
  #probeOnly: (Held & { readonly view: HealthView }) | undefined;

  constructor(colo: Colo, whatIf?: (signals: SteeringSignals) => SteeringSignals) {
    this.colo = colo;
    this.signals = whatIf === undefined ? this.#measured : whatIf(this.#measured);
    this.client = { colo: colo.code, country: colo.country, continent: colo.continent, lat: colo.lat, lon: colo.lon };
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
  finishTry(route: CompiledRoute, selection: Selection, outcome: SimTry, now: number): Ejection | undefined {
    const keys = trackKeys(selection);
    this.outstanding.finish(keys);
    const ok = outcome.kind === "response" && (outcome.status ?? 500) < 500;
    recordTryLatency(this.latency, route, selection.pool, selection.origin.id, outcome.durationMs, ok, now);
    // The data plane reads the report on every response of a load-aware pool's origin.
    if (outcome.loadReport !== undefined && isLoadAware(selection.pool))
      this.load.observe(selection.pool, selection.origin.id, outcome.loadReport, now);
    const result = classifyTry(outcome.kind, outcome.status);
    if (result === undefined) return undefined;
    const detail = outcome.kind === "response" ? `HTTP ${outcome.status}` : outcome.kind;
    return this.outliers.observe(selection.origin.id, outlierPool(selection.pool), result, now, detail);
  }

  /** A new health snapshot from the Durable Object (the isolate's refresh). */
  receive(snapshot: HealthSnapshot): void {
    this.#snapshot = snapshot;
  }

  /**
   * The health view in force, as data-plane.ts currentHealth keeps it: a new snapshot is
   * synced into the detector (other colos' ejections adopted, passing probes return
   * ejected origins), due ejections expire, and the view and selection cache are remade
   * only when the snapshot or the set of ejected origins changed.
   */
  #live(route: CompiledRoute, now: number): { live: HealthView; cache: SelectionCache } {
    const snapshot = this.#snapshot;
    const f = this.#inForce;
    if (snapshot !== undefined && f?.snapshot !== snapshot) syncFromSnapshot(this.outliers, snapshot, now);
    this.outliers.expire(now);
    const epoch = this.outliers.epoch;
    if (f !== undefined && f.route === route && f.snapshot === snapshot && f.epoch === epoch) return f;
    const next = { route, snapshot, epoch, live: healthView(this.outliers, snapshot, this.#clock), cache: createSelectionCache() };
    this.#inForce = next;
    return next;
  }

  /** Probe health alone, for when ejections would leave the route nothing (data-plane.ts probeOnlyHealth). */
  #probeView(route: CompiledRoute): { view: HealthView; cache: SelectionCache } {
    const snapshot = this.#snapshot;
    const p = this.#probeOnly;
    if (p !== undefined && p.route === route && p.snapshot === snapshot) return p;
    const next = { route, snapshot, view: healthView(this.outliers, snapshot, this.#clock, true), cache: createSelectionCache() };
    this.#probeOnly = next;
    return next;
  }
}
