import type { Scenario } from "../types.ts";
import { BASE_ORIGINS, RATE_PER_COLO } from "./base.ts";

export const steady: Scenario = {
  name: "steady",
  title: "Steady state",
  story: "Nothing changes. A good policy sends each colo to its best origin and still samples the others now and then.",
  durationS: 60,
  warmupS: 10,
  ratePerColo: RATE_PER_COLO,
  origins: BASE_ORIGINS,
  events: [],
  marks: {},
  targets: ["best-share", "added-latency", "floor"],
};
