/** canary-errors: a target answering 5 % 500s everywhere; rolled back in its first interval, with ≤ 0.5 % of requests. */
import type { RolloutScenario } from "../types.ts";
import { ROLLOUT_RATE_PER_COLO, SAME_AS_STABLE, STABLE } from "./base.ts";

export const canaryErrors: RolloutScenario = {
  name: "canary-errors",
  title: "A canary that answers 5 % 500s",
  story:
    "The target fails 5 % of its requests in every colo (the limit is 1 %). It must be rolled back in the first interval that reaches minRequests, having served at most 0.5 % of the route's requests over the rollout's length.",
  ratePerColo: ROLLOUT_RATE_PER_COLO,
  rollout: {},
  stable: STABLE,
  target: { ...SAME_AS_STABLE, errorRate: 0.05 },
  targets: ["rollback-first-interval"],
};
