import type { Scenario, ScenarioEvent } from "../types.ts";
import { BASE_ORIGINS, RATE_PER_COLO } from "./base.ts";

const FLAP_S = 20;
const DURATION_S = 120;

/** aws-euc1 refuses connections for 20 s, accepts for 20 s, and so on, from 20 s. */
const events: ScenarioEvent[] = [];
for (let at = FLAP_S, down = true; at < DURATION_S; at += FLAP_S, down = !down) {
  events.push({ at, origin: "aws-euc1", set: { fail: down ? "refuse" : "none" } });
}

export const flap: Scenario = {
  name: "flap",
  title: "An origin flaps every 20 s",
  story:
    "From 20 s aws-euc1 (best for the European colos) refuses connections for 20 s, then serves for 20 s, over and over. Retries hide the refusals; a good policy keeps errors near zero and returns to it while it is up.",
  durationS: DURATION_S,
  warmupS: 10,
  ratePerColo: RATE_PER_COLO,
  origins: BASE_ORIGINS,
  events,
  marks: {},
  targets: [],
};
