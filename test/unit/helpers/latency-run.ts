/**
 * A small virtual-time driver for latency steering tests: requests at a fixed rate, one
 * at a time (nothing in flight when the next is steered), each answered after its origin's
 * latency at that moment, every answer fed to a real LatencyTracker by recordTryLatency,
 * as the data plane does. Drives the real selectOrigin, so pool and route latency
 * steering are tested as the worker runs them.
 */
import type { CompiledConfig } from "../../../src/config/compile.ts";
import { LatencyTracker } from "../../../src/steering/latency.ts";
import { latencySignals, recordTryLatency } from "../../../src/steering/latency-colo.ts";
import { createMemoryStore, selectOrigin } from "../../../src/steering/select.ts";
import type { Selection, SteeringMemoryStore } from "../../../src/steering/select.ts";
import type { CompiledRoute } from "../../../src/config/compile.ts";
import type { RandomSource, SteeringSignals } from "../../../src/steering/types.ts";
import { mulberry32 } from "./random.ts";
import { routeOf } from "./configs.ts";

/** One pick for `route` with every origin healthy and nothing excluded: the steering policies alone at work. */
export function pickAllHealthy(
  route: CompiledRoute,
  random: RandomSource,
  memory: SteeringMemoryStore,
  signals: SteeringSignals,
): Selection | undefined {
  return selectOrigin({
    route,
    client: {},
    random,
    memory,
    health: { isHealthy: () => true },
    exclude: new Set(),
    signals,
    hashKey: () => undefined,
  });
}

export interface LatencyRunOptions {
  readonly config: CompiledConfig;
  /** An origin's latency (ms) at virtual time t (ms); a negative value is a fast failure taking −value ms. */
  readonly latencyOf: (originId: string, t: number) => number;
  readonly requestsPerSecond: number;
  readonly durationMs: number;
  readonly seed?: number;
  /** Start with this tracker (to carry estimates over), else a fresh one. */
  readonly tracker?: LatencyTracker;
  readonly startMs?: number;
}

export interface Pick {
  readonly t: number;
  readonly origin: string;
  readonly pool: string;
}

/** Runs the requests; returns every pick in order. */
export function latencyRun(options: LatencyRunOptions): Pick[] {
  const { config } = options;
  const route = routeOf(config);
  const tracker = options.tracker ?? new LatencyTracker();
  let now = options.startMs ?? 0;
  const signals = latencySignals(
    tracker,
    () => 0,
    () => now,
  );
  const random = mulberry32(options.seed ?? 1);
  const memory = createMemoryStore();
  const picks: Pick[] = [];
  const step = 1_000 / options.requestsPerSecond;
  const end = now + options.durationMs;
  for (; now < end; now += step) {
    const selection = pickAllHealthy(route, random, memory, signals);
    if (selection === undefined) throw new Error(`nothing selected at ${now}`);
    const { pool, origin } = selection;
    picks.push({ t: now, origin: origin.id, pool: pool.id });
    const answer = options.latencyOf(origin.id, now);
    const ok = answer >= 0;
    const rtt = Math.abs(answer);
    // The sample lands when the answer does, as recordTry sees it.
    const at = now + rtt;
    recordTryLatency(tracker, route, pool, origin.id, rtt, ok, at);
  }
  return picks;
}

/** Share of picks in [from, to) that went to `id` (origin or pool, by `field`). */
export function shareOf(picks: readonly Pick[], id: string, from: number, to: number, field: "origin" | "pool" = "origin"): number {
  const window = picks.filter((p) => p.t >= from && p.t < to);
  return window.length === 0 ? 0 : window.filter((p) => p[field] === id).length / window.length;
}

/** Time of the first pick at or after `from` that starts a run of `window` picks of which `id` takes ≥ `share`, or undefined. */
export function settledAt(
  picks: readonly Pick[],
  id: string,
  from: number,
  share: number,
  window = 20,
  field: "origin" | "pool" = "origin",
): number | undefined {
  const later = picks.filter((p) => p.t >= from);
  for (let i = 0; i + window <= later.length; i++) {
    const slice = later.slice(i, i + window);
    if (slice.filter((p) => p[field] === id).length >= share * window) return later[i]?.t;
  }
  return undefined;
}
