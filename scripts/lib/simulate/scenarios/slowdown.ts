import type { Scenario } from "../types.ts";
import { BASE_ORIGINS, RATE_PER_COLO } from "./base.ts";

export const slowdown: Scenario = {
  name: "slowdown",
  title: "One origin slows 10×, then recovers",
  story:
    "At 30 s aws-use1 (best for IAD, ORD, DFW and GRU) takes ten times longer to serve; at 60 s it is fast again. A good policy moves those colos away within 2 s and back within 10 s.",
  durationS: 90,
  warmupS: 10,
  ratePerColo: RATE_PER_COLO,
  origins: BASE_ORIGINS,
  events: [
    { at: 30, origin: "aws-use1", set: { slow: 10 } },
    { at: 60, origin: "aws-use1", set: { slow: 1 } },
  ],
  marks: { slowdown: { origin: "aws-use1", at: 30, recoverAt: 60 } },
  targets: ["shift", "recover"],
};
