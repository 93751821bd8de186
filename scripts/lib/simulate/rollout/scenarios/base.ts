/**
 * What the rollout scenarios share: the 14 colos of world.ts at the steering scenarios' 50
 * requests per second each, a stable pool in us-east-1 failing 0.1 % of requests, the
 * rollout's defaults (steps 5, 25, 50, 100; 60 s intervals; analysis as the API fills it).
 */
import { RATE_PER_COLO } from "../../scenarios/base.ts";
import type { PoolModel, TargetModel } from "../types.ts";

export const ROLLOUT_RATE_PER_COLO = RATE_PER_COLO;

export const STABLE: PoolModel = { region: "aws:us-east-1", serviceMs: 20, errorRate: 0.001 };

/** A target just like the stable pool: the new version, with nothing wrong with it. */
export const SAME_AS_STABLE: TargetModel = { ...STABLE, latencyFactor: 1 };
