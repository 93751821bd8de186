/**
 * `"latency": { "decaySeconds": 10, "explorePercent": 2, "exploreIntervalSeconds": 5,
 * "failurePenaltyMs": 1000 }` on a pool (its `latency` origin steering) or a route (its
 * `latency` pool steering). Every field is optional; the defaults, and the anchor each
 * follows, are in src/steering/latency.ts and docs/steering.md, "Latency steering".
 */
import { z } from "zod";
import {
  DEFAULT_DECAY_SECONDS,
  DEFAULT_EXPLORE_INTERVAL_SECONDS,
  DEFAULT_EXPLORE_PERCENT,
  DEFAULT_FAILURE_PENALTY_MS,
} from "../steering/latency.ts";

export const LatencySettingsSchema = z
  .strictObject({
    /** Time constant of the peak-EWMA and of its decay on read (Finagle: 10 s). */
    decaySeconds: z
      .number()
      .min(0.1)
      .max(3_600)
      .default(DEFAULT_DECAY_SECONDS)
      .describe("The time constant, in seconds, of the peak-EWMA latency estimate and of its decay on read (Finagle: 10 s)."),
    /** At most this share of picks explores a stale estimate; 0 turns exploring off. */
    explorePercent: z
      .number()
      .min(0)
      .max(50)
      .default(DEFAULT_EXPLORE_PERCENT)
      .describe("At most this percentage of picks explores a stale estimate; 0 turns exploring off."),
    /** An estimate with no sample for this long is due for one exploring request. */
    exploreIntervalSeconds: z
      .number()
      .min(0.1)
      .max(3_600)
      .default(DEFAULT_EXPLORE_INTERVAL_SECONDS)
      .describe("An estimate with no sample for this many seconds is stale: due for one exploring request."),
    /** A failed try counts as at least this slow (Tower's 1 s). */
    failurePenaltyMs: z
      .number()
      .min(1)
      .max(300_000)
      .default(DEFAULT_FAILURE_PENALTY_MS)
      .describe("A failed try counts as at least this slow, in milliseconds (Tower's 1 s)."),
  })
  .describe(
    "Knobs of latency steering: the latency estimate of each origin (or pool) from this edge location, a peak-EWMA that decays, and how often a stale estimate is explored.",
  );

export type LatencySettingsConfig = z.output<typeof LatencySettingsSchema>;

/** The settings with every default filled in, for a pool or route that sets none. */
export const defaultLatencySettings = (): LatencySettingsConfig => LatencySettingsSchema.parse({});
