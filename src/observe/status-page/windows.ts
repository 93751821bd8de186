/** The time every chart of a kind spans, so the rows line up. */
import type { OriginRow } from "./types.ts";

/** The shortest time a chart spans. */
const MIN_WINDOW_MS = 10_000;

/** Where the probe and traffic charts start. */
export interface Windows {
  readonly probeFrom: number;
  readonly trafficFrom: number;
}

/** The earliest sample the page shows, so every chart of a kind spans the same time. */
export function windowsOf(rows: readonly OriginRow[], now: number): Windows {
  // From the oldest sample kept (at least the last MIN_WINDOW_MS), so a young history fills the chart.
  const earliest = (times: number[]) => Math.min(now - MIN_WINDOW_MS, ...times);
  return {
    probeFrom: earliest(rows.flatMap((o) => o.history.map((h) => h.at))),
    trafficFrom: earliest(rows.flatMap((o) => o.traffic.filter((b) => b.tries > 0).map((b) => b.at))),
  };
}
