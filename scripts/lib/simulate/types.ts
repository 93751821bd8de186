/** The shapes scenarios are written in, shared by the engine, the metrics and the report. */
import type { ConfigInput } from "../../../src/config/schema.ts";

/** How an origin behaves at a given moment; scenario events change it. */
export interface OriginCondition {
  /** Multiplies the service time (10 = ten times slower). */
  readonly slow: number;
  /** "none"; "fast-503": every request answered 503 in FAST_FAIL_MS; "refuse": connections refused. */
  readonly fail: "none" | "fast-503" | "refuse";
  /** Share of requests answered with `errorStatus` at normal latency (a brownout). */
  readonly errorRate: number;
  readonly errorStatus: number;
  /** Multiplies the capacity (0.2 = a fifth of it left). */
  readonly capacityFactor: number;
  /** CPU the origin spends on work other than Edgeway's requests, 0..1: leaves (1 − it) of the capacity, and is what it reports as load. */
  readonly backgroundLoad: number;
  /** Whether the origin is in the config (false until it joins). */
  readonly present: boolean;
}

export const NORMAL: OriginCondition = {
  slow: 1,
  fail: "none",
  errorRate: 0,
  errorStatus: 500,
  capacityFactor: 1,
  backgroundLoad: 0,
  present: true,
};

/** An origin of a scenario. */
export interface OriginSpec {
  readonly id: string;
  /** A region of the catalogue ("aws:us-east-1"): gives its coordinates and base latency. */
  readonly region: string;
  /** Mean service time at no load, ms. */
  readonly serviceMs: number;
  /** Requests per second it serves at utilisation 1. */
  readonly capacity: number;
  /** Configured weight (weighted and random steering). */
  readonly weight?: number;
  /** Its condition at t = 0 (NORMAL where unset). */
  readonly initial?: Partial<OriginCondition>;
}

/** A change at `at` seconds: to an origin's condition, or to one colo's path to it. */
export type ScenarioEvent =
  | { readonly at: number; readonly origin: string; readonly set: Partial<OriginCondition> }
  | { readonly at: number; readonly origin: string; readonly colo: string; readonly pathBroken: boolean };

/** What a scenario's figures are measured against: the moments its story turns. */
export interface ScenarioMarks {
  /** The origin that slows down at `at` and recovers at `recoverAt` (seconds). */
  readonly slowdown?: { readonly origin: string; readonly at: number; readonly recoverAt: number };
  /** The origin that joins at `at`. */
  readonly join?: { readonly origin: string; readonly at: number };
  /** The origin that starts failing fast at `at`. */
  readonly fastFail?: { readonly origin: string; readonly at: number };
}

/** The targets, each checked only in the scenarios that name it. */
export type TargetName = "best-share" | "added-latency" | "shift" | "recover" | "new-origin" | "floor" | "fast-fail";

export interface Scenario {
  /** File name without .ts, and the name on the command line. */
  readonly name: string;
  readonly title: string;
  /** One or two sentences: what happens and what a good policy does. */
  readonly story: string;
  readonly durationS: number;
  /** Requests per second arriving at each colo (Poisson). */
  readonly ratePerColo: number;
  /** Colo codes (all of world.ts's when unset). */
  readonly colos?: readonly string[];
  readonly origins: readonly OriginSpec[];
  readonly events: readonly ScenarioEvent[];
  readonly marks: ScenarioMarks;
  readonly targets: readonly TargetName[];
  /** Seconds at the start left out of steady-state figures (cold estimates warming up). */
  readonly warmupS: number;
  /** Pool settings every policy's pools get in this scenario (e.g. outlier detection off). */
  readonly pool?: Partial<ConfigInput["pools"][number]>;
}
