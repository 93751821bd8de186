/**
 * One staged config change in virtual time, on the real stage controller and analysis
 * (src/config/staged*.ts, src/rollout/): requests arrive at every colo as Poisson streams and
 * are served by the config version the colo's isolates hold — the candidate where the stage
 * they last read puts it in force (config/staged.ts inForce), the old version elsewhere — and
 * counted on that version's side. Every REPORT_INTERVAL_MS each colo reports (at a phase of
 * its own); the Durable Object adds the reports up per version and, before the change, into
 * each colo's baseline (staged-baseline.ts); its alarm every REPORT_INTERVAL_MS looks at the
 * interval or judges it once due. A stage the object writes reaches each colo when KV has it
 * there and the colo's isolates re-read it: a delay drawn per colo and change, uniform up to
 * KV_STALE_MS, plus CONFIG_TTL_MS (the worst case of each).
 *
 * The two versions are modelled by what the analysis sees of them, as in engine.ts: latency
 * from each colo to the pool's region plus service time, and an error rate (per colo where
 * the candidate sends a colo's traffic elsewhere).
 */
import { ColoBaselines } from "../../../../src/config/staged-baseline.ts";
import { recordOf, stagedCounts, stagedOnReport, startStaged } from "../../../../src/config/staged-controller.ts";
import type { StagedChange } from "../../../../src/config/staged-controller.ts";
import { inForce } from "../../../../src/config/staged.ts";
import type { StagedRecord } from "../../../../src/config/staged.ts";
import { CONFIG_TTL_MS } from "../../../../src/config/store.ts";
import type { SideCounts } from "../../../../src/rollout/types.ts";
import { REPORT_INTERVAL_MS } from "../../../../src/state/traffic-report.ts";
import { mulberry32 } from "../../../../test/unit/helpers/random.ts";
import { EventQueue } from "../heap.ts";
import { NETWORK_JITTER } from "../model.ts";
import { exponential, responseSample } from "../queue.ts";
import { colosNamed, greatCircleKm, regionSite, rttMs } from "../world.ts";
import type { PoolModel } from "./types.ts";

/** How stale KV may be in a colo (Workers KV: up to 60 s). */
export const KV_STALE_MS = 60_000;
/** Traffic before the change, so every colo has a baseline. */
export const WARMUP_MS = 120_000;

/** A config version as its requests see it: the pool it sends to, and failures per colo where it sends one elsewhere. */
export interface VersionModel extends PoolModel {
  readonly coloErrorRate?: Readonly<Record<string, number>>;
}

export type StagedTargetName = "rollback-before-all" | "promote-on-time";

export interface StagedScenario {
  readonly name: string;
  readonly title: string;
  readonly story: string;
  readonly colos?: readonly string[];
  readonly ratePerColo: number;
  readonly stages: readonly number[];
  readonly intervalSeconds: number;
  /** The first stage's colos. */
  readonly first: readonly string[];
  readonly old: VersionModel;
  readonly candidate: VersionModel;
  /** The colo a bad candidate must be named by. */
  readonly badColo?: string;
  readonly targets: readonly StagedTargetName[];
}

export interface StagedRun {
  readonly scenario: string;
  readonly seed: number;
  readonly change: StagedChange;
  /** Stages × interval, ms from the change's start: the window shares are counted over. */
  readonly windowMs: number;
  readonly requests: number;
  readonly candidateRequests: number;
  readonly candidateFailures: number;
  readonly decidedAtMs: number | undefined;
  /** The last request the candidate served, ms from the change's start. */
  readonly lastCandidateMs: number | undefined;
  /** The most colos the candidate was in force in at once. */
  readonly mostColos: number;
  readonly colos: number;
}

type Control =
  | { readonly kind: "report"; readonly colo: number }
  | { readonly kind: "alarm" }
  | { readonly kind: "deliver"; readonly colo: number; readonly record: StagedRecord | undefined };

const zero = (): { requests: number; failures: number; latencySumMs: number; latencySumSqMs: number; latencyCount: number } => ({
  requests: 0,
  failures: 0,
  latencySumMs: 0,
  latencySumSqMs: 0,
  latencyCount: 0,
});

/** Runs a staged scenario with a seed; time 0 is the change's start. */
export function runStaged(scenario: StagedScenario, seed: number): StagedRun {
  const colos = colosNamed(scenario.colos);
  const C = colos.length;
  const windowMs = scenario.stages.length * scenario.intervalSeconds * 1_000;
  const endMs = windowMs + KV_STALE_MS + CONFIG_TTL_MS + 2 * REPORT_INTERVAL_MS;
  const arrivals = mulberry32(seed);
  const behaviour = mulberry32(seed ^ 0x5bd1e995);
  const delays = mulberry32(seed ^ 0x1b873593);
  const rtt = (pool: PoolModel): number[] => {
    const site = regionSite(pool.region);
    return colos.map((c) => rttMs(greatCircleKm(c, site.location), site.baseMs));
  };
  const versions = [scenario.old, scenario.candidate];
  const rtts = versions.map(rtt);
  const errors = versions.map((v) => colos.map((c) => v.coloErrorRate?.[c.code] ?? v.errorRate));

  let change = startStaged(
    { version: 2, from: 1, stages: scenario.stages, intervalSeconds: scenario.intervalSeconds, colos: scenario.first },
    0,
  );
  const baselines = new ColoBaselines();
  // What each colo's isolates hold of the change, counted since their last report, and what the object holds.
  const held: (StagedRecord | undefined)[] = colos.map(() => undefined);
  const pending = colos.map(() => [zero(), zero()]);
  let interval = new Map<string, { target: SideCounts; stable: SideCounts }>();
  let decidedAtMs: number | undefined;
  let lastCandidateMs: number | undefined;
  let requests = 0;
  let candidateRequests = 0;
  let candidateFailures = 0;
  let mostColos = 0;

  const controls = new EventQueue<Control>();
  const phase = colos.map(() => Math.floor(arrivals() * REPORT_INTERVAL_MS));
  for (let c = 0; c < C; c++)
    for (let t = (phase[c] as number) - WARMUP_MS; t <= endMs; t += REPORT_INTERVAL_MS)
      controls.push(t + WARMUP_MS, { kind: "report", colo: c });
  for (let t = REPORT_INTERVAL_MS; t <= endMs; t += REPORT_INTERVAL_MS) controls.push(t + WARMUP_MS, { kind: "alarm" });
  /** Each colo takes the record when KV has it there and its isolates re-read. */
  const publish = (at: number, record: StagedRecord | undefined): void => {
    for (let c = 0; c < C; c++)
      controls.push(at + WARMUP_MS + delays() * KV_STALE_MS + CONFIG_TTL_MS, { kind: "deliver", colo: c, record });
  };
  publish(0, recordOf(change));

  const nextArrival = colos.map(() => exponential(1_000 / scenario.ratePerColo, arrivals));
  function arrive(until: number): void {
    for (let c = 0; c < C; c++) {
      let t = nextArrival[c] as number;
      const record = held[c];
      const v = record !== undefined && inForce(record, colos[c]?.code ?? "") ? 1 : 0;
      const model = versions[v] as VersionModel;
      while (t < until) {
        const network = (rtts[v]?.[c] as number) * (1 + NETWORK_JITTER * (2 * behaviour() - 1));
        const ms = network + responseSample(model.serviceMs, behaviour);
        const failed = behaviour() < (errors[v]?.[c] as number);
        const side = pending[c]?.[v];
        if (side !== undefined) {
          side.requests++;
          if (failed) side.failures++;
          side.latencySumMs += ms;
          side.latencySumSqMs += ms * ms;
          side.latencyCount++;
        }
        const since = t - WARMUP_MS;
        if (since >= 0 && since < windowMs) {
          requests++;
          if (v === 1) {
            candidateRequests++;
            if (failed) candidateFailures++;
          }
        }
        if (v === 1) lastCandidateMs = since;
        t += exponential(1_000 / scenario.ratePerColo, arrivals);
      }
      nextArrival[c] = t;
    }
  }

  for (;;) {
    const next = controls.pop();
    if (next === undefined) break;
    const { time, item: event } = next;
    arrive(time);
    const at = time - WARMUP_MS;
    if (event.kind === "report") {
      const code = colos[event.colo]?.code ?? "";
      const [old = zero(), candidate = zero()] = pending[event.colo] ?? [];
      pending[event.colo] = [zero(), zero()];
      if (old.requests > 0) baselines.add(code, old, at);
      if (at < 0 || change.rollout.state !== "progressing") continue;
      const sides = interval.get(code) ?? { target: zero(), stable: zero() };
      interval.set(code, { target: sum(sides.target, candidate), stable: sum(sides.stable, old) });
    } else if (event.kind === "deliver") {
      held[event.colo] = event.record;
      mostColos = Math.max(mostColos, held.filter((r, i) => r !== undefined && inForce(r, colos[i]?.code ?? "")).length);
    } else if (at > 0 && change.rollout.state === "progressing") {
      const before = change;
      const counts = stagedCounts(interval, baselines.all(), before.rollout.spec.analysis.minRequests);
      // A look inside the interval, or its verdict once it is due (as the object's alarm does).
      change = stagedOnReport(before, counts, at);
      if (change.rollout.intervalStartedAt !== before.rollout.intervalStartedAt || change.rollout.state !== before.rollout.state)
        interval = new Map();
      const state = change.rollout.state;
      if (state === "promoted" || state === "rolled_back") decidedAtMs ??= at;
      if (state === "rolled_back") publish(at, undefined);
      else if (change.rollout.step !== before.rollout.step || state === "promoted") publish(at, recordOf(change));
    }
  }
  return {
    scenario: scenario.name,
    seed,
    change,
    windowMs,
    requests,
    candidateRequests,
    candidateFailures,
    decidedAtMs,
    lastCandidateMs,
    mostColos,
    colos: C,
  };
}

function sum(a: SideCounts, b: SideCounts): SideCounts {
  return {
    requests: a.requests + b.requests,
    failures: a.failures + b.failures,
    latencySumMs: a.latencySumMs + b.latencySumMs,
    latencySumSqMs: a.latencySumSqMs + b.latencySumSqMs,
    latencyCount: a.latencyCount + b.latencyCount,
  };
}
