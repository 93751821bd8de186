/**
 * One rollout in virtual time, on the real controller and analysis (src/rollout/). Requests
 * arrive at every colo as Poisson streams; each colo's isolate sends a request to the target
 * with the probability its view of the rollout gives (ActiveRollout.weight) and counts the
 * answer on the target's or the stable side. Every REPORT_INTERVAL_MS each colo reports its
 * counts (at a phase of its own, as isolates do); the Durable Object adds them to the
 * interval's counts and, on its alarm every REPORT_INTERVAL_MS, calls `onReport` (a look
 * inside the interval, or the interval's verdict once it is due). A changed split reaches
 * every isolate SNAPSHOT_TTL_MS later (its snapshot refresh, the worst case).
 *
 * The pools are modelled by what the analysis sees of them — latency from each colo (round
 * trip to the region plus service time) and error rate — rather than origin by origin: the
 * steering scenarios (engine.ts) cover choosing among origins; this covers the rollout.
 */
import { activeOf, onReport, startRollout } from "../../../../src/rollout/controller.ts";
import { RolloutRequestSchema, rolloutSpecFrom } from "../../../../src/rollout/spec.ts";
import type { ActiveRollout, IntervalCounts, RolloutSpec, RolloutStatus, SideCounts } from "../../../../src/rollout/types.ts";
import { REPORT_INTERVAL_MS } from "../../../../src/state/traffic-report.ts";
import { SNAPSHOT_TTL_MS } from "../../../../src/state/snapshot-cache.ts";
import { mulberry32 } from "../../../../test/unit/helpers/random.ts";
import { EventQueue } from "../heap.ts";
import { NETWORK_JITTER } from "../model.ts";
import { exponential, responseSample } from "../queue.ts";
import { colosNamed, greatCircleKm, regionSite, rttMs } from "../world.ts";
import type { PoolModel, RolloutScenario } from "./types.ts";

/** Everything one run gives its figures. */
export interface RolloutRun {
  readonly scenario: string;
  readonly seed: number;
  readonly spec: RolloutSpec;
  /** The rollout as it ended the run. */
  readonly status: RolloutStatus;
  /** How long a good target's rollout takes (steps × interval), ms: the window shares are counted over. */
  readonly windowMs: number;
  /** Requests the route served in the window, and those that reached the target (and failed there). */
  readonly requests: number;
  readonly targetRequests: number;
  readonly targetFailures: number;
  /** When the rollout was promoted or rolled back (ms from its start), if it was. */
  readonly decidedAtMs: number | undefined;
  /** The last request the target got, ms (undefined if none). */
  readonly lastTargetMs: number | undefined;
  /** The interval (1-based) in which some colo first reached minRequests target requests. */
  readonly firstFullInterval: number | undefined;
  /** The target's share of requests, per second of the run (for the chart). */
  readonly shareBySecond: readonly number[];
}

interface Side {
  requests: number;
  failures: number;
  latencySumMs: number;
  latencySumSqMs: number;
  latencyCount: number;
}

const emptySide = (): Side => ({ requests: 0, failures: 0, latencySumMs: 0, latencySumSqMs: 0, latencyCount: 0 });

function add(into: Side, from: SideCounts): void {
  into.requests += from.requests;
  into.failures += from.failures;
  into.latencySumMs += from.latencySumMs;
  into.latencySumSqMs += from.latencySumSqMs;
  into.latencyCount += from.latencyCount;
}

/** The spec a scenario's rollout body gives, parsed as the API would. */
export function specOf(scenario: RolloutScenario): RolloutSpec {
  return rolloutSpecFrom(RolloutRequestSchema.parse({ route: "api", to: "canary", ...scenario.rollout }), scenario.name, 0);
}

type Control =
  | { readonly kind: "report"; readonly colo: number }
  | { readonly kind: "alarm" }
  | { readonly kind: "deliver"; readonly view: ActiveRollout | undefined };

/** Runs a rollout scenario with a seed. */
export function runRollout(scenario: RolloutScenario, seed: number): RolloutRun {
  const colos = colosNamed(scenario.colos);
  const C = colos.length;
  const spec = specOf(scenario);
  const windowMs = spec.steps.length * spec.intervalSeconds * 1_000;
  const endMs = windowMs + 2 * REPORT_INTERVAL_MS;
  const arrivals = mulberry32(seed);
  const behaviour = mulberry32(seed ^ 0x5bd1e995);
  const split = mulberry32(seed ^ 0x27d4eb2f);

  const rtt = (pool: PoolModel): number[] => {
    const site = regionSite(pool.region);
    return colos.map((c) => rttMs(greatCircleKm(c, site.location), site.baseMs));
  };
  const stableRtt = rtt(scenario.stable);
  const targetRtt = rtt(scenario.target);
  const targetErrors = colos.map((c) => scenario.target.coloErrorRate?.[c.code] ?? scenario.target.errorRate);

  // What each colo's isolate has counted since its last report, and what the Durable Object holds for the interval.
  const pending = colos.map(() => ({ target: emptySide(), stable: emptySide() }));
  let interval = colos.map(() => ({ target: emptySide(), stable: emptySide() }));
  const views: (ActiveRollout | undefined)[] = colos.map(() => undefined);

  let status = startRollout(spec, 0);
  let decidedAtMs: number | undefined;
  let firstFullInterval: number | undefined;
  let lastTargetMs: number | undefined;
  let requests = 0;
  let targetRequests = 0;
  let targetFailures = 0;
  const seconds = Math.ceil(endMs / 1_000);
  const perSecond = new Float64Array(seconds);
  const targetPerSecond = new Float64Array(seconds);

  // Control events on the virtual clock: reports at each colo's phase, then the alarm (pushed
  // after the reports, so at the same moment it sees them), and snapshot deliveries.
  const controls = new EventQueue<Control>();
  const phase = colos.map(() => Math.floor(arrivals() * REPORT_INTERVAL_MS));
  for (let c = 0; c < C; c++) {
    for (let t = phase[c] as number; t <= endMs; t += REPORT_INTERVAL_MS) if (t > 0) controls.push(t, { kind: "report", colo: c });
  }
  for (let t = REPORT_INTERVAL_MS; t <= endMs; t += REPORT_INTERVAL_MS) controls.push(t, { kind: "alarm" });
  controls.push(SNAPSHOT_TTL_MS, { kind: "deliver", view: activeOf(status) });

  const nextArrival = colos.map(() => exponential(1_000 / scenario.ratePerColo, arrivals));

  /** Plays every arrival before `until`. */
  function arrive(until: number): void {
    for (let c = 0; c < C; c++) {
      let t = nextArrival[c] as number;
      const view = views[c];
      const weight = view?.weight ?? 0;
      while (t < until) {
        const toTarget = weight > 0 && (weight >= 100 || split() * 100 < weight);
        const model = toTarget ? scenario.target : scenario.stable;
        const base = (toTarget ? targetRtt[c] : stableRtt[c]) as number;
        const network = base * (1 + NETWORK_JITTER * (2 * behaviour() - 1));
        const ms = (network + responseSample(model.serviceMs, behaviour)) * (toTarget ? scenario.target.latencyFactor : 1);
        const failed = behaviour() < (toTarget ? (targetErrors[c] as number) : model.errorRate);
        const side = toTarget ? pending[c]?.target : pending[c]?.stable;
        if (side !== undefined) {
          side.requests++;
          if (failed) side.failures++;
          side.latencySumMs += ms;
          side.latencySumSqMs += ms * ms;
          side.latencyCount++;
        }
        const second = Math.floor(t / 1_000);
        perSecond[second] = (perSecond[second] ?? 0) + 1;
        if (toTarget) {
          targetPerSecond[second] = (targetPerSecond[second] ?? 0) + 1;
          lastTargetMs = t;
        }
        if (t < windowMs) {
          requests++;
          if (toTarget) {
            targetRequests++;
            if (failed) targetFailures++;
          }
        }
        t += exponential(1_000 / scenario.ratePerColo, arrivals);
      }
      nextArrival[c] = t;
    }
  }

  const counts = (): IntervalCounts => new Map(colos.map((c, i) => [c.code, interval[i] as { target: Side; stable: Side }]));

  for (;;) {
    const next = controls.pop();
    if (next === undefined) break;
    const { time: at, item: event } = next;
    arrive(at);
    if (event.kind === "report") {
      const p = pending[event.colo];
      const into = interval[event.colo];
      if (p !== undefined && into !== undefined) {
        add(into.target, p.target);
        add(into.stable, p.stable);
        pending[event.colo] = { target: emptySide(), stable: emptySide() };
      }
    } else if (event.kind === "deliver") {
      views.fill(event.view);
    } else if (status.state === "progressing") {
      const before = status;
      if (firstFullInterval === undefined && interval.some((x) => x.target.requests >= spec.analysis.minRequests)) {
        firstFullInterval = before.history.length + 1;
      }
      status = onReport(before, counts(), at);
      // A new interval (or the end): the Durable Object starts counting afresh.
      if (status.intervalStartedAt !== before.intervalStartedAt || status.state !== before.state) {
        interval = colos.map(() => ({ target: emptySide(), stable: emptySide() }));
      }
      if (status.state === "promoted" || status.state === "rolled_back") decidedAtMs ??= at;
      const view = activeOf(status);
      if (view?.weight !== activeOf(before)?.weight) controls.push(at + SNAPSHOT_TTL_MS, { kind: "deliver", view });
    }
  }
  arrive(endMs);

  return {
    scenario: scenario.name,
    seed,
    spec,
    status,
    windowMs,
    requests,
    targetRequests,
    targetFailures,
    decidedAtMs,
    lastTargetMs,
    firstFullInterval,
    shareBySecond: Array.from(perSecond, (n, s) => (n === 0 ? 0 : (targetPerSecond[s] ?? 0) / n)),
  };
}
