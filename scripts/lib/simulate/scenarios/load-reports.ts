import type { Scenario } from "../types.ts";
import { BASE_ORIGINS, RATE_PER_COLO } from "./base.ts";

export const loadReports: Scenario = {
  name: "load-reports",
  title: "Origins reporting load",
  story:
    "Every origin reports its CPU utilisation. At 20 s a batch job takes 85 % of aws-euc1's CPU, leaving it 300 req/s. Its latency grows with its queue; a load-aware policy also sees it in the reports.",
  durationS: 60,
  warmupS: 10,
  ratePerColo: RATE_PER_COLO,
  origins: BASE_ORIGINS,
  events: [{ at: 20, origin: "aws-euc1", set: { backgroundLoad: 0.85 } }],
  marks: {},
  targets: [],
};
