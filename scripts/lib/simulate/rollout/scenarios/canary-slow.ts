/** canary-slow: a target 50 % slower everywhere; rolled back within two intervals. */
import type { RolloutScenario } from "../types.ts";
import { ROLLOUT_RATE_PER_COLO, SAME_AS_STABLE, STABLE } from "./base.ts";

export const canarySlow: RolloutScenario = {
  name: "canary-slow",
  title: "A canary 50 % slower",
  story:
    "Every answer from the target takes 50 % longer than the stable pool's, in every colo, with no more failures. With the default maxLatencyRatio of 1.5 that target sits exactly on the limit, where no test can call it a breach; this rollout asks for 1.2. It must be rolled back within two intervals.",
  ratePerColo: ROLLOUT_RATE_PER_COLO,
  rollout: { analysis: { maxLatencyRatio: 1.2 } },
  stable: STABLE,
  target: { ...SAME_AS_STABLE, latencyFactor: 1.5 },
  targets: ["rollback-two-intervals"],
};
