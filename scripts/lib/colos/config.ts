/**
 * The config document the many-colo harness runs by default: every origin in one
 * round-robin pool behind a catch-all route, no monitor (so only live traffic judges the
 * origins: what passive health per colo is about), outlier detection at its defaults.
 */
import type { ColoHarness } from "./harness.ts";

export interface ColosConfigOptions {
  /** Extra fields for the pool's outlierDetection (e.g. a globalQuorum). */
  readonly outlierDetection?: Record<string, unknown>;
  /** A monitor for the pool (probes from the object; none by default). */
  readonly monitor?: Record<string, unknown>;
}

export function colosConfig(harness: Pick<ColoHarness, "origins">, options: ColosConfigOptions = {}): Record<string, unknown> {
  const origins = [...harness.origins.values()];
  const ids = origins.map((o) => o.id);
  return {
    origins: origins.map((o) => ({ id: o.id, url: o.url })),
    ...(options.monitor === undefined ? {} : { monitors: [{ id: "http", path: "/healthz", ...options.monitor }] }),
    pools: [
      {
        id: "shared",
        origins: ids,
        steering: "round_robin",
        ...(options.monitor === undefined ? {} : { monitor: "http" }),
        ...(options.outlierDetection === undefined ? {} : { outlierDetection: options.outlierDetection }),
      },
    ],
    routes: [{ id: "all", pools: ["shared"] }],
  };
}
