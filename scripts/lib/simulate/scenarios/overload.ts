import type { Scenario } from "../types.ts";
import { BASE_ORIGINS, RATE_PER_COLO } from "./base.ts";

export const overload: Scenario = {
  name: "overload",
  title: "An overloaded origin",
  story:
    "At 20 s aws-euc1 loses most of its capacity (240 req/s left) while the four European colos send it 200 req/s: at ρ ≈ 0.8 its latency is five times its service time. A good policy spreads the European colos over aws-euc1 and gcp-euw1 instead of piling onto the one that was fastest.",
  durationS: 60,
  warmupS: 10,
  ratePerColo: RATE_PER_COLO,
  origins: BASE_ORIGINS,
  events: [{ at: 20, origin: "aws-euc1", set: { capacityFactor: 0.12 } }],
  marks: {},
  targets: [],
};
