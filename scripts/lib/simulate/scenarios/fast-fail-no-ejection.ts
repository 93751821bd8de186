import type { Scenario } from "../types.ts";
import { fastFail } from "./fast-fail.ts";

export const fastFailNoEjection: Scenario = {
  ...fastFail,
  name: "fast-fail-no-ejection",
  title: "An origin fails fast, outlier detection off",
  story:
    "As fast-fail, with outlier detection turned off in every pool, so only the steering policy stands between clients and the origin that answers 503 in 1 ms: the latency estimator must count the failures as slow.",
  pool: { outlierDetection: { enabled: false } },
};
