/**
 * Runs one scenario under one policy in virtual time. Requests arrive at every colo as a
 * Poisson stream; each colo's isolate steers its tries with Edgeway's code (isolate.ts);
 * the chosen origin's model plays the try (model.ts), and its end is an event at the
 * time it ends, so outstanding counts, latency estimates and outlier detection see the
 * same order of events the worker would. Probes run on the monitor's interval through
 * the health state machine (src/health/state-machine.ts). A failed try is retried on the
 * next origin as the route's `retries` allow, within the route's retry budget.
 *
 * The engine plays the Durable Object: probe results and the ejections isolates report go
 * into a HealthSnapshot that every isolate receives SNAPSHOT_TTL_MS later (its snapshot
 * refresh, src/state/snapshot-cache.ts; the worst case) and takes in as the worker does
 * (syncFromSnapshot, healthView): one colo's ejection is adopted by every colo, and a
 * passing probe returns an ejected origin (unejectOnProbeSuccess).
 *
 * Three seeded random streams — arrivals, origin behaviour, steering — so every policy
 * meets the same arrivals, and a run with the same seed gives the same figures.
 */
import type { CompiledConfig, CompiledRoute } from "../../../src/config/compile.ts";
import type { Retries } from "../../../src/config/schema.ts";
import type { HealthSnapshot } from "../../../src/health/snapshot.ts";
import type { Ejection } from "../../../src/health/outlier.ts";
import { SNAPSHOT_TTL_MS } from "../../../src/state/snapshot-cache.ts";
import { applyProbe, initialHealth } from "../../../src/health/state-machine.ts";
import type { OriginHealth } from "../../../src/health/state-machine.ts";
import type { Selection } from "../../../src/steering/select.ts";
import { mulberry32 } from "../../../test/unit/helpers/random.ts";
import { EventQueue } from "./heap.ts";
import { SimIsolate } from "./isolate.ts";
import { ERROR_COST_MS, OriginModel } from "./model.ts";
import type { SimTry } from "./model.ts";
import { compileFor, PER_TRY_TIMEOUT_MS } from "./policies.ts";
import type { Policy } from "./policies.ts";
import { exponential } from "./queue.ts";
import type { Scenario, ScenarioEvent } from "./types.ts";
import { colosNamed } from "./world.ts";

/** Width of the time bins figures and charts are counted in. */
export const BIN_MS = 500;

/** Everything one run recorded, in flat arrays indexed [bin][colo][origin]. */
export interface RunRecord {
  readonly scenario: string;
  readonly policy: string;
  readonly seed: number;
  readonly colos: readonly string[];
  readonly origins: readonly string[];
  readonly nBins: number;
  /** Tries per bin, colo and origin. */
  readonly tries: Float64Array;
  /** First tries per bin and colo, and how many of them went to the best origin at that moment. */
  readonly firstTries: Float64Array;
  readonly bestFirst: Float64Array;
  /** Requests started per bin, and those the client got an error for. */
  readonly requests: Float64Array;
  readonly errors: Float64Array;
  /** Each request's time (ms from start to the last try's end) and its start (ms). */
  readonly latencyMs: Float64Array;
  readonly startMs: Float64Array;
  /** Longest time (ms) between two tries from a colo to an origin after the warm-up, per colo and origin. */
  readonly maxGapMs: Float64Array;
  /** The best origin (index) per colo with no load, just before the slowdown and just after the join. */
  readonly bestBeforeSlowdown: readonly number[] | undefined;
  readonly bestAfterJoin: readonly number[] | undefined;
}

interface Request {
  readonly colo: number;
  readonly start: number;
  readonly tried: Set<string>;
  tries: number;
}

type SimEvent =
  | { readonly kind: "arrival"; readonly colo: number }
  | { readonly kind: "done"; readonly request: Request; readonly selection: Selection; readonly outcome: SimTry }
  | { readonly kind: "scenario"; readonly event: ScenarioEvent }
  | { readonly kind: "probe" }
  | { readonly kind: "snapshot"; readonly snapshot: HealthSnapshot };

/** Whether the route's `retries.on` covers this try's ending (as src/proxy/forward.ts reads it). */
export function retryable(on: Retries["on"], outcome: SimTry): boolean {
  if (outcome.kind !== "response") return on.includes(outcome.kind);
  const status = outcome.status ?? 0;
  return on.some((c) => c === String(status) || (c.endsWith("xx") && c[0] === String(status)[0]));
}

/**
 * The Durable Object's side: probe health moved by the real state machine, and the
 * ejections isolates reported; what it hands isolates is a HealthSnapshot.
 */
class ObjectState {
  readonly #health = new Map<string, OriginHealth>();
  readonly #probes = new Map<string, { readonly at: number; readonly ok: boolean }>();
  readonly #ejections = new Map<string, Ejection>();

  probe(originId: string, ok: boolean, at: number, thresholds: { healthyThreshold: number; unhealthyThreshold: number }): void {
    const state = this.#health.get(originId) ?? initialHealth(at);
    this.#health.set(originId, applyProbe(state, { ok, at, reason: ok ? "HTTP 200" : "failed" }, thresholds).state);
    this.#probes.set(originId, { at, ok });
  }

  eject(ejection: Ejection): void {
    const held = this.#ejections.get(ejection.originId);
    if (held === undefined || held.until < ejection.until) this.#ejections.set(ejection.originId, ejection);
  }

  snapshot(originIds: readonly string[], now: number): HealthSnapshot {
    const origins: HealthSnapshot["origins"] = {};
    for (const id of originIds) {
      const health = this.#health.get(id) ?? initialHealth(0);
      const probe = this.#probes.get(id);
      const ejection = this.#ejections.get(id);
      origins[id] = {
        healthy: health.healthy,
        since: health.since,
        reason: health.reason,
        lastProbeAt: probe?.at ?? null,
        ...(probe === undefined ? {} : { lastProbeOk: probe.ok }),
        ...(ejection !== undefined && now < ejection.until ? { ejection } : {}),
      };
    }
    return { generatedAt: now, origins };
  }
}

/** The origin with the lowest unloaded expected latency from `colo` (index), or -1. */
function unloadedBest(models: readonly OriginModel[], colo: string): number {
  let best = -1;
  let bestMs = Number.POSITIVE_INFINITY;
  models.forEach((m, i) => {
    if (!m.reachableFrom(colo)) return;
    const c = m.condition;
    const ms = m.rttFrom(colo) + m.spec.serviceMs * c.slow + c.errorRate * ERROR_COST_MS;
    if (ms < bestMs) {
      bestMs = ms;
      best = i;
    }
  });
  return best;
}

/** Runs `scenario` under `policy` with `seed`. */
export function runScenario(scenario: Scenario, policy: Policy, seed: number): RunRecord {
  const colos = colosNamed(scenario.colos);
  const models = scenario.origins.map((spec) => new OriginModel(spec, colos));
  const index = new Map(models.map((m, i) => [m.spec.id, i] as const));
  const C = colos.length;
  const O = models.length;
  const nBins = Math.ceil((scenario.durationS * 1_000) / BIN_MS);
  const endMs = scenario.durationS * 1_000;
  const warmupMs = scenario.warmupS * 1_000;

  const arrivals = mulberry32(seed);
  const behaviour = mulberry32(seed ^ 0x5bd1e995);
  const steering = mulberry32(seed ^ 0x27d4eb2f);

  const durableObject = new ObjectState();
  const isolates = colos.map((colo) => new SimIsolate(colo, policy.whatIf));
  let version = 1;
  let compiled: CompiledConfig = compileFor(policy, presentSpecs(), version, scenario.pool);
  let route: CompiledRoute = firstRoute(compiled);
  function presentSpecs() {
    return models.filter((m) => m.condition.present).map((m) => m.spec);
  }
  function firstRoute(c: CompiledConfig): CompiledRoute {
    const r = c.routes[0];
    if (r === undefined) throw new Error("simulator: config has no route");
    return r;
  }

  const tries = new Float64Array(nBins * C * O);
  const firstTries = new Float64Array(nBins * C);
  const bestFirst = new Float64Array(nBins * C);
  const requests = new Float64Array(nBins);
  const errors = new Float64Array(nBins);
  const latencyMs: number[] = [];
  const startMs: number[] = [];
  const lastTry = new Float64Array(C * O).fill(warmupMs);
  const maxGapMs = new Float64Array(C * O);
  let bestBeforeSlowdown: number[] | undefined;
  let bestAfterJoin: number[] | undefined;

  const queue = new EventQueue<SimEvent>();
  colos.forEach((_, c) => {
    queue.push(exponential(1_000 / scenario.ratePerColo, arrivals), { kind: "arrival", colo: c });
  });
  for (const event of scenario.events) queue.push(event.at * 1_000, { kind: "scenario", event });
  const monitor = route.pools[0]?.monitor;
  const probeEveryMs = (monitor?.intervalSeconds ?? 60) * 1_000;
  queue.push(probeEveryMs, { kind: "probe" });

  const binOf = (t: number): number => Math.min(nBins - 1, Math.floor(t / BIN_MS));

  /** The Durable Object's state changed: every isolate sees it at its next snapshot refresh. */
  function publish(now: number): void {
    const ids = models.filter((m) => m.condition.present).map((m) => m.spec.id);
    queue.push(now + SNAPSHOT_TTL_MS, { kind: "snapshot", snapshot: durableObject.snapshot(ids, now) });
  }

  /** The oracle: the origin with the lowest expected latency now, tried ones left out. */
  function oraclePick(colo: string, exclude: ReadonlySet<string>, now: number): Selection | undefined {
    const pool = route.pools[0];
    if (pool === undefined) return undefined;
    let best: Selection | undefined;
    let bestMs = Number.POSITIVE_INFINITY;
    for (const origin of pool.origins) {
      if (exclude.has(origin.id)) continue;
      const model = models[index.get(origin.id) ?? -1];
      const ms = model === undefined ? Number.POSITIVE_INFINITY : model.expectedMs(colo, now);
      if (ms < bestMs) {
        bestMs = ms;
        best = { pool, origin, fallback: false, panic: false };
      }
    }
    return best;
  }

  /** The best origin for a colo at `now` with perfect knowledge (the oracle's first choice), as an index. */
  function bestNow(colo: string, now: number): number {
    let best = -1;
    let bestMs = Number.POSITIVE_INFINITY;
    models.forEach((m, i) => {
      const ms = m.expectedMs(colo, now);
      if (ms < bestMs) {
        bestMs = ms;
        best = i;
      }
    });
    return best;
  }

  function finishRequest(request: Request, now: number, ok: boolean): void {
    const bin = binOf(request.start);
    latencyMs.push(now - request.start);
    startMs.push(request.start);
    if (!ok) errors[bin] = (errors[bin] ?? 0) + 1;
  }

  function startTry(request: Request, now: number): void {
    const isolate = isolates[request.colo] as SimIsolate;
    const colo = isolate.colo.code;
    const selection =
      policy.layout === "oracle" ? oraclePick(colo, request.tried, now) : isolate.select(route, request.tried, now, steering);
    if (selection === undefined) {
      finishRequest(request, now, false);
      return;
    }
    const o = index.get(selection.origin.id) ?? -1;
    const model = models[o];
    if (model === undefined) throw new Error(`simulator: steering chose unknown origin ${selection.origin.id}`);
    const bin = binOf(now);
    const cell = request.colo * O + o;
    if (request.tries === 0) {
      firstTries[bin * C + request.colo] = (firstTries[bin * C + request.colo] ?? 0) + 1;
      if (bestNow(colo, now) === o) bestFirst[bin * C + request.colo] = (bestFirst[bin * C + request.colo] ?? 0) + 1;
    }
    tries[bin * C * O + cell] = (tries[bin * C * O + cell] ?? 0) + 1;
    if (now >= warmupMs) {
      maxGapMs[cell] = Math.max(maxGapMs[cell] ?? 0, now - (lastTry[cell] ?? warmupMs));
      lastTry[cell] = now;
    }
    request.tries++;
    request.tried.add(selection.origin.id);
    isolate.startTry(selection);
    const timeout = route.source.retries.perTryTimeoutMs ?? PER_TRY_TIMEOUT_MS;
    const outcome = model.serve(colo, now, behaviour, timeout);
    queue.push(now + outcome.durationMs, { kind: "done", request, selection, outcome });
  }

  function applyEvent(event: ScenarioEvent, now: number): void {
    const model = models[index.get(event.origin) ?? -1];
    if (model === undefined) throw new Error(`simulator: ${scenario.name}: event for unknown origin ${event.origin}`);
    if ("pathBroken" in event) {
      if (event.pathBroken) model.brokenFrom.add(event.colo);
      else model.brokenFrom.delete(event.colo);
      return;
    }
    const slowdown = scenario.marks.slowdown;
    if (slowdown?.origin === event.origin && slowdown.at * 1_000 === now && bestBeforeSlowdown === undefined) {
      bestBeforeSlowdown = colos.map((c) => unloadedBest(models, c.code));
    }
    const wasPresent = model.condition.present;
    model.condition = { ...model.condition, ...event.set };
    if (wasPresent !== model.condition.present) {
      // A config push (or a registration): every isolate steers with the new compiled config.
      version++;
      compiled = compileFor(policy, presentSpecs(), version, scenario.pool);
      route = firstRoute(compiled);
    }
    const join = scenario.marks.join;
    if (join?.origin === event.origin && join.at * 1_000 === now) bestAfterJoin = colos.map((c) => unloadedBest(models, c.code));
  }

  for (;;) {
    const next = queue.pop();
    if (next === undefined) break;
    const { time: now, item } = next;
    switch (item.kind) {
      case "arrival": {
        if (now >= endMs) break;
        const isolate = isolates[item.colo] as SimIsolate;
        isolate.budget.recordRequest(now);
        requests[binOf(now)] = (requests[binOf(now)] ?? 0) + 1;
        startTry({ colo: item.colo, start: now, tried: new Set(), tries: 0 }, now);
        queue.push(now + exponential(1_000 / scenario.ratePerColo, arrivals), item);
        break;
      }
      case "done": {
        const { request, selection, outcome } = item;
        const isolate = isolates[request.colo] as SimIsolate;
        const ejection = isolate.finishTry(route, selection, outcome, now);
        if (ejection !== undefined) {
          durableObject.eject(ejection);
          publish(now);
        }
        const ok = outcome.kind === "response" && (outcome.status ?? 500) < 500;
        const retries = route.source.retries;
        const again =
          !ok &&
          retryable(retries.on, outcome) &&
          request.tries <= retries.attempts &&
          now - request.start < route.source.timeoutMs &&
          isolate.budget.tryAcquire(now, retries.budgetPercent, retries.minRetriesPerSecond);
        if (again) startTry(request, now);
        else finishRequest(request, now, ok);
        break;
      }
      case "scenario":
        applyEvent(item.event, now);
        break;
      case "probe": {
        if (now >= endMs) break;
        const thresholds = { healthyThreshold: monitor?.healthyThreshold ?? 2, unhealthyThreshold: monitor?.unhealthyThreshold ?? 2 };
        for (const m of models) {
          if (m.condition.present) durableObject.probe(m.spec.id, m.probe(behaviour, monitor?.timeoutMs ?? 5_000), now, thresholds);
        }
        publish(now);
        queue.push(now + probeEveryMs, item);
        break;
      }
      case "snapshot":
        for (const isolate of isolates) isolate.receive(item.snapshot);
        break;
    }
  }
  for (let cell = 0; cell < C * O; cell++) maxGapMs[cell] = Math.max(maxGapMs[cell] ?? 0, endMs - (lastTry[cell] ?? warmupMs));

  return {
    scenario: scenario.name,
    policy: policy.name,
    seed,
    colos: colos.map((c) => c.code),
    origins: models.map((m) => m.spec.id),
    nBins,
    tries,
    firstTries,
    bestFirst,
    requests,
    errors,
    latencyMs: Float64Array.from(latencyMs),
    startMs: Float64Array.from(startMs),
    maxGapMs,
    bestBeforeSlowdown,
    bestAfterJoin,
  };
}
