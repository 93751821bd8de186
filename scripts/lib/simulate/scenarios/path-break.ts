import type { Scenario } from "../types.ts";
import { BASE_ORIGINS, RATE_PER_COLO } from "./base.ts";

export const pathBreak: Scenario = {
  name: "path-break",
  title: "One colo's path to one origin breaks",
  story:
    "From 20 s to 40 s every try from FRA to aws-euc1 times out (1 s per-try timeout); every other colo reaches it fine and probes pass. A good policy moves FRA alone, and brings it back after the path heals.",
  durationS: 60,
  warmupS: 10,
  ratePerColo: RATE_PER_COLO,
  origins: BASE_ORIGINS,
  events: [
    { at: 20, origin: "aws-euc1", colo: "FRA", pathBroken: true },
    { at: 40, origin: "aws-euc1", colo: "FRA", pathBroken: false },
  ],
  marks: {},
  targets: [],
};
