/** An ejection as an isolate reports it, for the traffic report and merge tests. */
import type { ReportedEjection } from "../../../src/state/ejection-store.ts";

/** A time the report tests start from. */
export const T0 = 1_000_000;

/** A consecutive-5xx ejection of `originId` in pool "p" at `at`, for 30 s. */
export function ejection(originId: string, at = T0): ReportedEjection {
  return {
    originId,
    poolId: "p",
    kind: "consecutive-5xx",
    at,
    until: at + 30_000,
    count: 1,
    reason: "5 consecutive 5xx",
    unejectOnProbeSuccess: false,
  };
}
