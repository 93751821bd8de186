/**
 * The staged config change scenarios (issue §6): the 14 colos of world.ts at the rollout
 * scenarios' 50 requests per second each, a change started in FRA and widened to 10, 25, 50
 * and 100 % of colos (by hash: NRT joins at 10 %, SIN at 25 %), each stage held 60 s.
 *
 * - staged-config-bad: the candidate sends SIN's traffic to a dead pool (every request from
 *   SIN fails); from every other colo it is as good as the old version. It must be rolled
 *   back when it reaches SIN, before it reaches every colo, naming SIN.
 * - staged-config-good: nothing wrong with the candidate; it must be promoted after
 *   stages × interval, never rolled back.
 */
import { ROLLOUT_RATE_PER_COLO, STABLE } from "./scenarios/base.ts";
import type { StagedScenario } from "./staged-engine.ts";

const STAGES = [1, 10, 25, 50, 100];

export const stagedConfigBad: StagedScenario = {
  name: "staged-config-bad",
  title: "A config version that sends one colo's traffic to a dead pool",
  story:
    "The new version steers SIN's requests to a pool whose origins are gone: every request from SIN fails; the 13 other colos are served as before. Staged from FRA, then 10, 25, 50 and 100 % of colos, it must be rolled back when it reaches SIN (at 25 %), before it reaches every colo, naming SIN.",
  ratePerColo: ROLLOUT_RATE_PER_COLO,
  stages: STAGES,
  intervalSeconds: 60,
  first: ["FRA"],
  old: STABLE,
  candidate: { ...STABLE, coloErrorRate: { SIN: 1 } },
  badColo: "SIN",
  targets: ["rollback-before-all"],
};

export const stagedConfigGood: StagedScenario = {
  name: "staged-config-good",
  title: "A good config version, staged",
  story:
    "Nothing is wrong with the new version. Staged from FRA, then 10, 25, 50 and 100 % of colos, it must be promoted after five stages of 60 s, and never rolled back (each colo on the new version is judged against its own traffic on the old one just before: colos differ in their distance to the origins).",
  ratePerColo: ROLLOUT_RATE_PER_COLO,
  stages: STAGES,
  intervalSeconds: 60,
  first: ["FRA"],
  old: STABLE,
  candidate: STABLE,
  targets: ["promote-on-time"],
};

export const STAGED_SCENARIOS: readonly StagedScenario[] = [stagedConfigGood, stagedConfigBad];
