/**
 * One origin as the simulator plays it: where it is, how fast it serves at what load,
 * and what the scenario has done to it. `serve` answers one try from one colo; the
 * oracle and the "best origin" figures read `expectedMs`, the same model without the dice.
 */
import type { Colo } from "./world.ts";
import { greatCircleKm, regionSite, rttMs } from "./world.ts";
import { mm1ResponseMs, RateMeter, responseSample } from "./queue.ts";
import { NORMAL } from "./types.ts";
import type { OriginCondition, OriginSpec } from "./types.ts";

/** An origin failing fast answers in this many ms after the request reaches it. */
export const FAST_FAIL_MS = 1;
/** Network time varies by up to ± this share of the round trip (uniform). */
export const NETWORK_JITTER = 0.05;
/** What an error costs in the oracle's reckoning: the latency estimator's failure penalty (src/steering/latency.ts). */
export const ERROR_COST_MS = 1_000;

/** How one try ended, in the shape the data plane's TryOutcome has. */
export interface SimTry {
  readonly kind: "response" | "connect-failure" | "timeout";
  readonly status: number | undefined;
  readonly durationMs: number;
  /** The load report on the response (the ORCA `endpoint-load-metrics` header's value), when it answered. */
  readonly loadReport?: string;
}

export class OriginModel {
  readonly spec: OriginSpec;
  condition: OriginCondition;
  readonly meter = new RateMeter();
  /** Colos whose path to this origin is broken: their tries time out. */
  readonly brokenFrom = new Set<string>();
  readonly #rtt = new Map<string, number>();

  constructor(spec: OriginSpec, colos: readonly Colo[]) {
    this.spec = spec;
    this.condition = { ...NORMAL, ...spec.initial };
    const site = regionSite(spec.region);
    for (const colo of colos) this.#rtt.set(colo.code, rttMs(greatCircleKm(colo, site.location), site.baseMs));
  }

  /** Round trip from a colo, ms. */
  rttFrom(colo: string): number {
    const rtt = this.#rtt.get(colo);
    if (rtt === undefined) throw new Error(`simulator: no path from colo ${colo} to ${this.spec.id}`);
    return rtt;
  }

  /** Requests per second it can serve now. */
  capacity(): number {
    const c = this.condition;
    return Math.max(1e-9, this.spec.capacity * c.capacityFactor * (1 - c.backgroundLoad));
  }

  /** Arrival rate ÷ capacity over the last second. */
  utilisation(now: number): number {
    return this.meter.rate(now) / this.capacity();
  }

  /** CPU utilisation it would report (background work plus Edgeway's share), 0..1. */
  cpu(now: number): number {
    const c = this.condition;
    return Math.min(1, c.backgroundLoad + (1 - c.backgroundLoad) * Math.min(1, this.utilisation(now)));
  }

  /** Whether it can answer at all from this colo (in the config, accepting, path intact). */
  reachableFrom(colo: string): boolean {
    const c = this.condition;
    return c.present && c.fail === "none" && !this.brokenFrom.has(colo);
  }

  /** Mean latency of a try from `colo` now, errors priced at ERROR_COST_MS; Infinity when it cannot serve. */
  expectedMs(colo: string, now: number): number {
    if (!this.reachableFrom(colo)) return Number.POSITIVE_INFINITY;
    const c = this.condition;
    return this.rttFrom(colo) + mm1ResponseMs(this.spec.serviceMs * c.slow, this.utilisation(now)) + c.errorRate * ERROR_COST_MS;
  }

  /** Plays one try from `colo` sent at `now`; a try longer than `timeoutMs` times out. */
  serve(colo: string, now: number, random: () => number, timeoutMs: number): SimTry {
    const c = this.condition;
    const rtt = this.rttFrom(colo);
    if (this.brokenFrom.has(colo)) return { kind: "timeout", status: undefined, durationMs: timeoutMs };
    if (!c.present || c.fail === "refuse") return { kind: "connect-failure", status: undefined, durationMs: Math.min(rtt, timeoutMs) };
    this.meter.add(now);
    if (c.fail === "fast-503")
      return { kind: "response", status: 503, durationMs: Math.min(rtt + FAST_FAIL_MS, timeoutMs), loadReport: this.loadReport(now) };
    const network = rtt * (1 + NETWORK_JITTER * (2 * random() - 1));
    const service = responseSample(mm1ResponseMs(this.spec.serviceMs * c.slow, this.utilisation(now)), random);
    const durationMs = network + service;
    if (durationMs >= timeoutMs) return { kind: "timeout", status: undefined, durationMs: timeoutMs };
    const failed = c.errorRate > 0 && random() < c.errorRate;
    return { kind: "response", status: failed ? c.errorStatus : 200, durationMs, loadReport: this.loadReport(now) };
  }

  /**
   * The load report it sends on every response, in ORCA's TEXT form: CPU (background work
   * plus Edgeway's share), requests/s over the last second and errors/s at its error rate.
   * A fast-failing origin reports what a failing server would: idle CPU, every request an error.
   */
  loadReport(now: number): string {
    const rps = this.meter.rate(now);
    const c = this.condition;
    const eps = c.fail === "fast-503" ? rps : rps * c.errorRate;
    const cpu = c.fail === "fast-503" ? c.backgroundLoad : this.cpu(now);
    return `TEXT cpu_utilization=${cpu.toFixed(3)}, rps_fractional=${rps.toFixed(1)}, eps=${eps.toFixed(1)}`;
  }

  /** What a health probe from the monitor sees (probes come from elsewhere, so a broken colo path does not show). */
  probe(random: () => number, timeoutMs: number): boolean {
    const c = this.condition;
    if (!c.present || c.fail !== "none") return false;
    if (c.errorRate > 0 && random() < c.errorRate) return false;
    return this.spec.serviceMs * c.slow < timeoutMs;
  }
}
