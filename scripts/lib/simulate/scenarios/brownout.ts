import type { Scenario } from "../types.ts";
import { BASE_ORIGINS, RATE_PER_COLO } from "./base.ts";

export const brownout: Scenario = {
  name: "brownout",
  title: "Brownout: 10 % errors",
  story:
    "From 20 s aws-use1 answers 10 % of requests with 500 at its usual speed (500 is not retried by default, so the client sees it). Probes sometimes pass; outlier detection's 85 % failure threshold never trips. A good policy moves most traffic to an origin that does not fail.",
  durationS: 60,
  warmupS: 10,
  ratePerColo: RATE_PER_COLO,
  origins: BASE_ORIGINS,
  events: [{ at: 20, origin: "aws-use1", set: { errorRate: 0.1, errorStatus: 500 } }],
  marks: {},
  targets: [],
};
