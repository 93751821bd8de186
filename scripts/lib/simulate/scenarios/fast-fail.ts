import type { Scenario } from "../types.ts";
import { BASE_ORIGINS, RATE_PER_COLO } from "./base.ts";

export const fastFail: Scenario = {
  name: "fast-fail",
  title: "An origin fails fast (503 in 1 ms)",
  story:
    "At 20 s aws-use1 answers every request with 503 after 1 ms: the fastest answers in the fleet. A good policy does not mistake it for the fastest origin: under 1 % of traffic 5 s later.",
  durationS: 60,
  warmupS: 10,
  ratePerColo: RATE_PER_COLO,
  origins: BASE_ORIGINS,
  events: [{ at: 20, origin: "aws-use1", set: { fail: "fast-503" } }],
  marks: { fastFail: { origin: "aws-use1", at: 20 } },
  targets: ["fast-fail"],
};
