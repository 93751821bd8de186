/** The rollout scenarios, in the order the report lists them. Each lives in its own file. */
import type { RolloutScenario } from "../types.ts";
import { canaryBadInOneColo } from "./canary-bad-in-one-colo.ts";
import { canaryErrors } from "./canary-errors.ts";
import { canaryGood } from "./canary-good.ts";
import { canarySlow } from "./canary-slow.ts";

export const ROLLOUT_SCENARIOS: readonly RolloutScenario[] = [canaryGood, canaryErrors, canarySlow, canaryBadInOneColo];
