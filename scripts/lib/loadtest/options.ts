/** `npm run loadtest` options: defaults, --quick, and checks that name the bad option. */
import { parseArgs } from "node:util";
import type { RuntimeName } from "./runtime.ts";

export const THROUGHPUT_SCENARIOS = [
  "direct",
  "passthrough",
  "minimal",
  "minimal-no-forwarding",
  "minimal-no-timeout",
  "minimal-no-response",
  "minimal-headers",
  "minimal-headers-no-ids",
  "minimal-headers-no-looks",
  "minimal-headers-no-spread",
  "edgeway-weighted",
  "edgeway-weighted-lean",
  "edgeway-weighted-continue",
  "edgeway-latency",
  "edgeway-geo",
  "edgeway-hash",
  "edgeway-full",
  "edgeway-rules",
  "edgeway-baseline-weighted",
  "edgeway-baseline-latency",
  "nginx",
] as const;
export type ThroughputScenario = (typeof THROUGHPUT_SCENARIOS)[number];
/**
 * The minimal worker without one of its pieces: run only when `--only` names them, to price
 * each piece of the contract against the pass-through in one run.
 */
export const OPT_IN_SCENARIOS: readonly ThroughputScenario[] = [
  // Every optional stage on (affinity, hashing, load-awareness, latency): priced against edgeway-weighted.
  "edgeway-full",
  // Three request header edits and a prefix rewrite: priced against edgeway-weighted.
  "edgeway-rules",
  // The weighted pool on a route with traceContext "continue": no new trace per request.
  "edgeway-weighted-continue",
  "minimal-no-forwarding",
  "minimal-no-timeout",
  "minimal-no-response",
  // The minimal worker plus Edgeway's per-request header work, no routing: what routing costs on top.
  "minimal-headers",
  "minimal-headers-no-ids",
  "minimal-headers-no-looks",
  "minimal-headers-no-spread",
  "edgeway-baseline-weighted",
  "edgeway-baseline-latency",
];

/** Another build of Edgeway (--baseline DIR), run beside this one's, round by round. */
export const isBaselineScenario = (scenario: ThroughputScenario): boolean => scenario.startsWith("edgeway-baseline-");
/** The scenario of this build that a baseline scenario is measured against. */
const baselineOf = (scenario: ThroughputScenario): ThroughputScenario | undefined =>
  scenario === "edgeway-weighted" ? "edgeway-baseline-weighted" : scenario === "edgeway-latency" ? "edgeway-baseline-latency" : undefined;

/** Edgeway itself (the targets apply to these). */
export const isEdgewayScenario = (scenario: ThroughputScenario): boolean => scenario.startsWith("edgeway-");
/** The minimal worker, whole or without one piece. */
export const isMinimalScenario = (scenario: ThroughputScenario): boolean => scenario.startsWith("minimal");
/** The piece a minimal-no-* or minimal-headers-no-* scenario leaves out (the worker's LEAVE_OUT), if any. */
export const leftOutPiece = (scenario: ThroughputScenario): string | undefined => /^minimal(?:-headers)?-no-(.+)$/.exec(scenario)?.[1];
/** `--only` also takes "chaos". */
export const ALL_PARTS: readonly string[] = [...THROUGHPUT_SCENARIOS, "chaos"];

export interface ChaosOptions {
  /** Seconds of steady load in all. */
  readonly durationSec: number;
  /** Seconds into the load when the origin is killed, and restarted. */
  readonly killAtSec: number;
  readonly restartAtSec: number;
  /**
   * Latency injected into the chaos origins' answers. The load is closed-loop (each
   * connection sends its next request when the last one is answered), so this sets a
   * steady rate of about connections ÷ latency without saturating Edgeway.
   * (autocannon's rate limits send each second's requests in one burst.)
   */
  readonly originLatencyMs: number;
  /** Unrecorded load before the run (config loaded, first snapshot, first probes). */
  readonly warmupSec: number;
  readonly bucketMs: number;
  /** The monitor's intervalSeconds. */
  readonly probeIntervalSec: number;
}

export interface Options {
  readonly durationSec: number;
  readonly rounds: number;
  readonly warmupSec: number;
  readonly connections: number;
  /** Seconds per scenario per round over one connection (latency without queueing); 0: none. */
  readonly lightDurationSec: number;
  readonly origins: number;
  readonly latencyMs: number;
  /** Origins registered into the `weighted` pool before the runs (POST /_edgeway/register), up to Edgeway's 1,000. */
  readonly registrations: number;
  readonly quick: boolean;
  readonly skipNginx: boolean;
  readonly runtime: RuntimeName;
  readonly scenarios: readonly ThroughputScenario[];
  readonly chaos: ChaosOptions | undefined;
  /** Another checkout of Edgeway (with its node_modules) whose bundle runs as edgeway-baseline-*. */
  readonly baseline: string | undefined;
  /** Written as bench/results/<name>.json / .md / -*.svg. */
  readonly resultName: string;
}

export const USAGE = `npm run loadtest -- [options]

Load test: Edgeway on workerd against a pass-through worker, the minimal worker (only what
the contract asks of every proxied request), the origins directly and nginx, interleaved
in rounds; then a chaos run that kills an origin under load.

  --duration S        seconds per scenario per round, flat out (default 5; --quick 1)
  --light-duration S  then seconds per scenario per round over 1 connection, for latency
                      without queueing (default 2; --quick 1; 0 leaves it out)
  --rounds N          rounds; scenarios are interleaved within each (default 3; --quick 2)
  --warmup S          unrecorded seconds per scenario before round 1 (default 2; --quick 0)
  --connections N     concurrent connections (default 20)
  --origins N         origin servers for the throughput scenarios (default 3)
  --latency MS        latency injected into every origin answer (default 0)
  --registrations N   register N origins (at most 1,000, Edgeway's global maximum) into
                      the weighted pool before the runs, spread over the origin servers
                      (default 0)
  --runtime R         workerd (default: \`workerd serve\`) or miniflare (the Miniflare API)
  --only LIST         comma-separated: ${ALL_PARTS.join(", ")}
                      (minimal-no-*, minimal-headers[-no-*], edgeway-full, edgeway-rules and
                      the baselines run only when named here)
  --baseline DIR      another checkout of Edgeway (e.g. a git worktree of an earlier commit,
                      with node_modules): its bundle runs as edgeway-baseline-weighted and
                      -latency beside edgeway-weighted and -latency, interleaved round by
                      round, so a change is measured against its base in one run
  --skip-nginx        leave nginx out
  --skip-chaos        leave the chaos run out
  --chaos-duration S  seconds of load in the chaos run (default 30; --quick 14)
  --chaos-latency MS  latency of the chaos run's origins, which sets its steady rate
                      (closed loop: about connections ÷ latency; default 20)
  --quick             a smoke check in under a minute (results get a -quick suffix)
  --name NAME         results as bench/results/NAME.* (default: today's date, -quick for --quick)
  --help
`;

function positive(name: string, raw: string | undefined, fallback: number, { integer = false, zero = false } = {}): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (!zero && n === 0) || (integer && !Number.isInteger(n))) {
    throw new Error(`--${name} must be a ${integer ? "whole " : ""}number ${zero ? ">= 0" : "> 0"}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** Edgeway's global maximum of registered origins (EDGEWAY_MAX_REGISTRATIONS may only lower it). */
export const MAX_REGISTRATIONS = 1_000;

function registrationsOption(raw: string | undefined): number {
  const n = positive("registrations", raw, 0, { integer: true, zero: true });
  if (n > MAX_REGISTRATIONS) throw new Error(`--registrations must be at most ${MAX_REGISTRATIONS} (Edgeway's maximum), got ${n}`);
  return n;
}

export function parseOptions(argv: readonly string[], date: string): Options | "help" {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      duration: { type: "string" },
      "light-duration": { type: "string" },
      rounds: { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      origins: { type: "string" },
      latency: { type: "string" },
      registrations: { type: "string" },
      baseline: { type: "string" },
      runtime: { type: "string" },
      only: { type: "string" },
      "skip-nginx": { type: "boolean", default: false },
      "skip-chaos": { type: "boolean", default: false },
      "chaos-duration": { type: "string" },
      "chaos-latency": { type: "string" },
      quick: { type: "boolean", default: false },
      name: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return "help";
  if (values.name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(values.name))
    throw new Error(`--name must be letters, digits, '.', '_' or '-', got ${JSON.stringify(values.name)}`);
  const quick = values.quick;
  const runtime = values.runtime ?? "workerd";
  if (runtime !== "workerd" && runtime !== "miniflare")
    throw new Error(`--runtime must be workerd or miniflare, got ${JSON.stringify(runtime)}`);
  const only =
    values.only === undefined
      ? undefined
      : values.only
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s !== "");
  for (const name of only ?? []) {
    if (!ALL_PARTS.includes(name)) throw new Error(`--only: unknown scenario "${name}" (use ${ALL_PARTS.join(", ")})`);
  }
  const wanted = (name: string) => only === undefined || only.includes(name);
  const picked = THROUGHPUT_SCENARIOS.filter(
    (s) => wanted(s) && !(only === undefined && OPT_IN_SCENARIOS.includes(s)) && !(s === "nginx" && values["skip-nginx"]),
  );
  const baseline = values.baseline;
  const withBaseline = new Set(baseline === undefined ? [] : picked.map(baselineOf).filter((s) => s !== undefined));
  if (baseline !== undefined && withBaseline.size === 0)
    throw new Error("--baseline needs edgeway-weighted or edgeway-latency among the scenarios");
  const scenarios = THROUGHPUT_SCENARIOS.filter(
    (s) => (picked.includes(s) && (!isBaselineScenario(s) || baseline !== undefined)) || withBaseline.has(s),
  );

  const chaosDuration = positive("chaos-duration", values["chaos-duration"], quick ? 14 : 30, { integer: true });
  if (chaosDuration < 6) throw new Error("--chaos-duration must be at least 6 s (kill, then restart, then recovery)");
  const chaos: ChaosOptions | undefined =
    wanted("chaos") && !values["skip-chaos"]
      ? {
          durationSec: chaosDuration,
          // Kill after a quarter, restart at the middle plus a bit: time to eject, then to recover.
          killAtSec: Math.round(chaosDuration * 0.27 * 10) / 10,
          restartAtSec: Math.round(chaosDuration * 0.6 * 10) / 10,
          originLatencyMs: positive("chaos-latency", values["chaos-latency"], 20, { zero: true }),
          warmupSec: quick ? 1 : 2,
          bucketMs: 250,
          probeIntervalSec: 2,
        }
      : undefined;

  return {
    // autocannon runs in whole seconds.
    durationSec: positive("duration", values.duration, quick ? 1 : 5, { integer: true }),
    lightDurationSec: positive("light-duration", values["light-duration"], quick ? 1 : 2, { integer: true, zero: true }),
    rounds: positive("rounds", values.rounds, quick ? 2 : 3, { integer: true }),
    warmupSec: positive("warmup", values.warmup, quick ? 0 : 2, { integer: true, zero: true }),
    connections: positive("connections", values.connections, 20, { integer: true }),
    origins: positive("origins", values.origins, 3, { integer: true }),
    latencyMs: positive("latency", values.latency, 0, { zero: true }),
    registrations: registrationsOption(values.registrations),
    baseline,
    quick,
    skipNginx: values["skip-nginx"],
    runtime,
    scenarios,
    chaos,
    resultName: values.name ?? (quick ? `${date}-quick` : date),
  };
}
