/**
 * From runs to figures: per scenario, the median over rounds of each figure; per Edgeway
 * scenario, the ratios to the pass-through worker, to the minimal worker and to nginx,
 * taken round by round
 * (runs of one round ran back to back, so their ratio cancels most machine noise) and
 * then the median over rounds.
 */
import { isEdgewayScenario, isMinimalScenario } from "./options.ts";
import type { ThroughputScenario } from "./options.ts";
import type { Load, RunRecord } from "./throughput.ts";

/** The targets for Edgeway against the pass-through worker. */
export const TARGET_THROUGHPUT_RATIO = 0.9;
export const TARGET_ADDED_P50_MS = 1;

export interface ScenarioSummary {
  readonly scenario: ThroughputScenario;
  readonly rounds: number;
  readonly rps: number;
  readonly rpsMin: number;
  readonly rpsMax: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly proxyCpuUsPerReq: number | undefined;
  readonly proxyCpuPct: number | undefined;
  readonly driverCpuPct: number | undefined;
  readonly non2xx: number;
  readonly errors: number;
}

export interface Comparison {
  readonly scenario: ThroughputScenario;
  /** Edgeway req/s ÷ pass-through req/s. */
  readonly vsPassthrough: number | undefined;
  /**
   * Edgeway req/s ÷ the minimal worker's (bench/loadtest/minimal-worker.js: header
   * hygiene, X-Forwarded-*, a timeout, x-edgeway-origin and server-timing, nothing else):
   * what routing, steering, health and metrics cost on top of what the contract requires.
   */
  readonly vsMinimal: number | undefined;
  /** Edgeway req/s ÷ nginx req/s. */
  readonly vsNginx: number | undefined;
  /** Edgeway p50 − pass-through p50, ms. */
  readonly addedP50Ms: number | undefined;
  readonly addedP99Ms: number | undefined;
  /** Edgeway CPU µs per request − pass-through's. */
  readonly addedCpuUsPerReq: number | undefined;
  readonly meetsThroughputTarget: boolean | undefined;
  readonly meetsLatencyTarget: boolean | undefined;
}

export function median(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? (v[mid] ?? Number.NaN) : ((v[mid - 1] ?? 0) + (v[mid] ?? 0)) / 2;
}

function medianOf(values: readonly (number | undefined)[]): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  return defined.length === 0 ? undefined : median(defined);
}

export function summarize(records: readonly RunRecord[], order: readonly ThroughputScenario[], load: Load): ScenarioSummary[] {
  return order
    .map((scenario) => {
      const runs = records.filter((r) => r.scenario === scenario && r.load === load);
      if (runs.length === 0) return undefined;
      const rps = runs.map((r) => r.rps);
      return {
        scenario,
        rounds: runs.length,
        rps: median(rps),
        rpsMin: Math.min(...rps),
        rpsMax: Math.max(...rps),
        p50: median(runs.map((r) => r.p50)),
        p90: median(runs.map((r) => r.p90)),
        p99: median(runs.map((r) => r.p99)),
        proxyCpuUsPerReq: medianOf(runs.map((r) => r.proxyCpuUsPerReq)),
        proxyCpuPct: medianOf(runs.map((r) => r.proxyCpuPct)),
        driverCpuPct: medianOf(runs.map((r) => r.driverCpuPct)),
        non2xx: runs.reduce((s, r) => s + r.non2xx, 0),
        errors: runs.reduce((s, r) => s + r.errors, 0),
      };
    })
    .filter((s): s is ScenarioSummary => s !== undefined);
}

/** Round by round: f(scenario's run, reference's run of the same round), in round order (undefined where either is missing). */
export function perRound(
  records: readonly RunRecord[],
  scenario: ThroughputScenario,
  reference: ThroughputScenario,
  f: (a: RunRecord, b: RunRecord) => number | undefined,
): (number | undefined)[] {
  return records
    .filter((r) => r.scenario === scenario)
    .sort((a, b) => a.round - b.round)
    .map((a) => {
      const b = records.find((r) => r.scenario === reference && r.round === a.round && r.load === a.load);
      return b === undefined ? undefined : f(a, b);
    });
}

/** Median over rounds of f(edgeway run, reference run) for runs of the same round. */
function paired(
  records: readonly RunRecord[],
  scenario: ThroughputScenario,
  reference: ThroughputScenario,
  f: (a: RunRecord, b: RunRecord) => number | undefined,
): number | undefined {
  return medianOf(perRound(records, scenario, reference, f));
}

export function compare(all: readonly RunRecord[], scenarios: readonly ThroughputScenario[], load: Load): Comparison[] {
  const records = all.filter((r) => r.load === load);
  return scenarios
    .filter((s) => isEdgewayScenario(s) || isMinimalScenario(s))
    .map((scenario) => {
      // The minimal worker (and its variants) are compared with the pass-through too; the targets are Edgeway's.
      const edgeway = isEdgewayScenario(scenario);
      const vsPassthrough = paired(records, scenario, "passthrough", (a, b) => (b.rps > 0 ? a.rps / b.rps : undefined));
      const addedP50Ms = paired(records, scenario, "passthrough", (a, b) => a.p50 - b.p50);
      return {
        scenario,
        vsPassthrough,
        vsMinimal:
          scenario === "minimal" ? undefined : paired(records, scenario, "minimal", (a, b) => (b.rps > 0 ? a.rps / b.rps : undefined)),
        vsNginx: paired(records, scenario, "nginx", (a, b) => (b.rps > 0 ? a.rps / b.rps : undefined)),
        addedP50Ms,
        addedP99Ms: paired(records, scenario, "passthrough", (a, b) => a.p99 - b.p99),
        addedCpuUsPerReq: paired(records, scenario, "passthrough", (a, b) =>
          a.proxyCpuUsPerReq === undefined || b.proxyCpuUsPerReq === undefined ? undefined : a.proxyCpuUsPerReq - b.proxyCpuUsPerReq,
        ),
        meetsThroughputTarget: !edgeway || vsPassthrough === undefined ? undefined : vsPassthrough >= TARGET_THROUGHPUT_RATIO,
        meetsLatencyTarget: !edgeway || addedP50Ms === undefined ? undefined : addedP50Ms < TARGET_ADDED_P50_MS,
      };
    });
}
