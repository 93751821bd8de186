/**
 * How `npm run bench` times one task: decisions batched so a sample is about SAMPLE_NS of
 * work (calibrated after the JIT warms up), tinybench for the statistics, and the target a
 * policy must meet at N = TARGET_N.
 */
import { Bench } from "tinybench";
import type { FnReturnedObject } from "tinybench";

/** One benchmark task: a group, a policy or table, a size, and the decision to time. */
export interface Scenario {
  readonly group: "pool" | "route" | "match";
  readonly policy: string;
  readonly n: number;
  readonly build: () => () => unknown;
}

/** tinybench budgets per task, in ms: warm-up, then measurement. */
const WARMUP_MS = 200;
const TIME_MS = 400;
/** Work per sample: enough that two hrtime reads (~50 ns) are ~1% of it. */
export const SAMPLE_NS = 5_000;
const MAX_BATCH = 1_000;
/** The batch size is calibrated over these windows (which also start the JIT on the task). */
const CALIBRATE_WINDOWS = 8;
const CALIBRATE_WINDOW_MS = 5;

/** The N at which the issue sets targets, and the targets in ns. */
export const TARGET_N = 100;
export const TARGET_NS = 1_000;
/** `latency` and `hash` do more per decision (two draws and costs; a hash per origin). */
export const SLOW_TARGET_NS = 5_000;
export const SLOW_POLICIES: ReadonlySet<string> = new Set(["latency", "hash"]);

export interface Result {
  readonly group: Scenario["group"];
  readonly task: string;
  readonly n: number;
  readonly meanNs: number;
  readonly rmePercent: number;
  readonly p75Ns: number;
  readonly p99Ns: number;
  readonly opsPerSecond: number;
  readonly batch: number;
  readonly samples: number;
  readonly targetNs: number | undefined;
  readonly verdict: "ok" | "OVER" | undefined;
}

/** Keeps the JIT from discarding a decision whose result nobody reads. */
let _sink: unknown;

export function elapsedNs(since: bigint): number {
  return Number(process.hrtime.bigint() - since);
}

/**
 * Decisions per sample so that a sample is about SAMPLE_NS of work. Timed over several
 * short windows, keeping the fastest: the first ones run while the JIT is still
 * compiling the task, and a batch sized from those would be too small.
 */
export function calibrateBatch(decide: () => unknown): number {
  let fastest = Number.POSITIVE_INFINITY;
  for (let window = 0; window < CALIBRATE_WINDOWS; window++) {
    const start = process.hrtime.bigint();
    let calls = 0;
    do {
      for (let i = 0; i < 8; i++) _sink = decide();
      calls += 8;
    } while (elapsedNs(start) < CALIBRATE_WINDOW_MS * 1e6);
    fastest = Math.min(fastest, elapsedNs(start) / calls);
  }
  return Math.min(MAX_BATCH, Math.max(1, Math.ceil(SAMPLE_NS / fastest)));
}

export function targetFor(scenario: Scenario): number | undefined {
  if (scenario.group === "match" || scenario.n !== TARGET_N) return undefined;
  return SLOW_POLICIES.has(scenario.policy) ? SLOW_TARGET_NS : TARGET_NS;
}

export function measure(scenario: Scenario): Result {
  const task = scenario.group === "match" ? scenario.policy : `${scenario.group} ${scenario.policy}`;
  const decide = scenario.build();
  const batch = calibrateBatch(decide);
  // One Bench per task, so its warm-up runs right before its measurement.
  const bench = new Bench({ name: task, time: TIME_MS, warmup: true, warmupTime: WARMUP_MS, throws: true });
  bench.add(task, (): FnReturnedObject => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) _sink = decide();
    const ns = elapsedNs(start);
    return { overriddenDuration: ns / batch / 1e6, overriddenIterationCost: ns / 1e6 };
  });
  bench.runSync();
  const result = bench.tasks[0]?.result;
  if (result === undefined || (result.state !== "completed" && result.state !== "aborted-with-statistics")) {
    throw new Error(`${task} N=${scenario.n}: tinybench finished in state ${result?.state ?? "unknown"}`);
  }
  const meanNs = result.latency.mean * 1e6;
  const targetNs = targetFor(scenario);
  return {
    group: scenario.group,
    task,
    n: scenario.n,
    meanNs,
    rmePercent: result.latency.rme,
    p75Ns: result.latency.p75 * 1e6,
    p99Ns: result.latency.p99 * 1e6,
    opsPerSecond: 1e9 / meanNs,
    batch,
    samples: result.latency.samplesCount,
    targetNs,
    verdict: targetNs === undefined ? undefined : meanNs < targetNs ? "ok" : "OVER",
  };
}
