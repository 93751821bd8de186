/** canary-bad-in-one-colo: a target failing from one colo only, fine on average; rolled back, naming the colo. */
import type { RolloutScenario } from "../types.ts";
import { ROLLOUT_RATE_PER_COLO, SAME_AS_STABLE, STABLE } from "./base.ts";

export const canaryBadInOneColo: RolloutScenario = {
  name: "canary-bad-in-one-colo",
  title: "A canary that fails from one colo",
  story:
    "From SIN the target fails 10 % of its requests (a regional dependency); from the 13 other colos it is as good as stable. Across all colos that is 0.8 %, under the 1 % limit: judged on averages it would pass. It must be rolled back, naming SIN.",
  ratePerColo: ROLLOUT_RATE_PER_COLO,
  rollout: {},
  stable: STABLE,
  target: { ...SAME_AS_STABLE, coloErrorRate: { SIN: 0.1 } },
  badColo: "SIN",
  targets: ["rollback-named"],
};
