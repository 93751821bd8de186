/** canary-good: a target as good as the stable pool; promoted in steps × interval, never rolled back (seeds 1–10). */
import type { RolloutScenario } from "../types.ts";
import { ROLLOUT_RATE_PER_COLO, SAME_AS_STABLE, STABLE } from "./base.ts";

export const canaryGood: RolloutScenario = {
  name: "canary-good",
  title: "A good canary",
  story:
    "The target is as good as the stable pool (same latency, same 0.1 % of failures) in every colo. It must be promoted after steps × interval (4 × 60 s), and never rolled back: checked over ten seeds.",
  ratePerColo: ROLLOUT_RATE_PER_COLO,
  rollout: {},
  stable: STABLE,
  target: SAME_AS_STABLE,
  targets: ["promote-on-time", "no-false-rollback"],
};
