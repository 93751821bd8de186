/**
 * The throughput rounds: every scenario for the same number of seconds, interleaved
 * (A, B, C, … then A, B, C, … again) so that machine noise hits them all alike, after one
 * unrecorded warm-up run each. Each round runs every scenario flat out over the configured
 * connections ("loaded": throughput, and latency that includes queueing once the proxy is
 * saturated), then over one connection ("light": the latency a request pays without
 * waiting behind others). Besides the driver's figures, each run records the CPU
 * time the server side used per request (from /proc), which on a shared 2-core machine
 * says more about cost than requests/s do.
 */
import { drive } from "./drive.ts";
import type { RequestVariant } from "./drive.ts";
import type { ThroughputScenario } from "./options.ts";
import { cpuMs, cpuMsOf } from "./proc.ts";

export interface Target {
  readonly scenario: ThroughputScenario;
  readonly url: string;
  readonly variants: readonly RequestVariant[];
  /** The proxy's processes (none for `direct`). */
  readonly proxyPids: () => number[];
}

/** `loaded`: the configured connections, flat out; `light`: one connection (latency without queueing). */
export type Load = "loaded" | "light";

export interface RunRecord {
  readonly scenario: ThroughputScenario;
  readonly load: Load;
  readonly connections: number;
  readonly round: number;
  readonly durationSec: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly rps: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
  /**
   * Requests in flight by Little's law (req/s × mean latency). A closed loop keeps exactly
   * `connections` in flight; clearly more means the durations are mistimed (autocannon
   * reuses a stale start time after a server closes a keep-alive connection).
   */
  readonly inFlight: number;
  /** autocannon's whole-ms percentiles. */
  readonly autocannon: { readonly p50: number; readonly p90: number; readonly p99: number };
  /** CPU µs per 2xx response: the proxy's, the origins' (all origin servers). */
  readonly proxyCpuUsPerReq: number | undefined;
  readonly originCpuUsPerReq: number | undefined;
  /** Share of one core used over the run: proxy, origins, load generator. */
  readonly proxyCpuPct: number | undefined;
  readonly originCpuPct: number | undefined;
  readonly driverCpuPct: number | undefined;
}

export interface ThroughputPlan {
  readonly targets: readonly Target[];
  readonly rounds: number;
  readonly durationSec: number;
  readonly warmupSec: number;
  readonly connections: number;
  /** Seconds of the one-connection run per scenario per round; 0: none. */
  readonly lightDurationSec: number;
  readonly originPid: number | undefined;
  readonly log: (line: string) => void;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const delta = (after: number | undefined, before: number | undefined) =>
  after === undefined || before === undefined ? undefined : after - before;

async function once(plan: ThroughputPlan, target: Target, load: Load, durationSec: number, round: number): Promise<RunRecord> {
  const pids = target.proxyPids();
  const connections = load === "light" ? 1 : plan.connections;
  const p0 = cpuMsOf(pids),
    o0 = cpuMs(plan.originPid),
    d0 = cpuMs(process.pid);
  const r = await drive({ url: target.url, connections, durationSec, variants: target.variants });
  const proxyMs = delta(cpuMsOf(pids), p0),
    originMs = delta(cpuMs(plan.originPid), o0),
    driverMs = delta(cpuMs(process.pid), d0);
  const perReq = (ms: number | undefined) => (ms === undefined || r.ok === 0 ? undefined : (ms * 1_000) / r.ok);
  const pct = (ms: number | undefined) => (ms === undefined ? undefined : (ms / (r.durationSec * 1_000)) * 100);
  return {
    scenario: target.scenario,
    load,
    connections,
    round,
    durationSec: r.durationSec,
    ok: r.ok,
    non2xx: r.non2xx,
    errors: r.errors,
    rps: r.rps,
    p50: r.latencyMs.p50,
    p90: r.latencyMs.p90,
    p99: r.latencyMs.p99,
    mean: r.latencyMs.mean,
    max: r.latencyMs.max,
    inFlight: (r.rps * r.latencyMs.mean) / 1_000,
    autocannon: r.autocannonLatencyMs,
    proxyCpuUsPerReq: pids.length === 0 ? undefined : perReq(proxyMs),
    originCpuUsPerReq: perReq(originMs),
    proxyCpuPct: pids.length === 0 ? undefined : pct(proxyMs),
    originCpuPct: pct(originMs),
    driverCpuPct: pct(driverMs),
  };
}

export async function runThroughput(plan: ThroughputPlan): Promise<RunRecord[]> {
  if (plan.warmupSec > 0) {
    plan.log(`warm-up: ${plan.warmupSec} s per scenario`);
    for (const target of plan.targets) {
      await once(plan, target, "loaded", plan.warmupSec, 0);
      await pause(100);
    }
  }
  const records: RunRecord[] = [];
  const loads: [Load, number][] =
    plan.lightDurationSec > 0
      ? [
          ["loaded", plan.durationSec],
          ["light", plan.lightDurationSec],
        ]
      : [["loaded", plan.durationSec]];
  for (let round = 1; round <= plan.rounds; round++) {
    for (const [load, seconds] of loads) {
      for (const target of plan.targets) {
        const rec = await once(plan, target, load, seconds, round);
        records.push(rec);
        const failed = rec.non2xx + rec.errors > 0 ? `  (${rec.non2xx} non-2xx, ${rec.errors} errors)` : "";
        plan.log(
          `round ${round}/${plan.rounds} ${load === "light" ? "1 conn " : `${rec.connections} conns`}  ${target.scenario.padEnd(17)} ${Math.round(rec.rps).toString().padStart(6)} req/s  p50 ${rec.p50.toFixed(2)} ms  p99 ${rec.p99.toFixed(2)} ms${failed}`,
        );
        // Let closed connections drain before the next run starts.
        await pause(100);
      }
    }
  }
  return records;
}
