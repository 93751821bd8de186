/**
 * The report's round-by-round table: every round's ratio to the minimal worker and CPU over
 * the pass-through, so a run shows its own noise next to its medians.
 */
import { pct, table } from "./markdown.ts";
import { perRound } from "./summary.ts";
import type { Comparison } from "./summary.ts";
import type { RunRecord } from "./throughput.ts";

/**
 * Flat out, every round's ratio to the minimal worker and CPU over the pass-through, for
 * the minimal workers and Edgeway: how far one round's figure strays from the median, so a
 * difference between scenarios can be read against this machine's noise.
 */
export function roundsTable(runs: readonly RunRecord[], comparisons: readonly Comparison[]): string[] {
  const loaded = runs.filter((r) => r.load === "loaded");
  const rows = comparisons
    .filter((c) => c.scenario !== "minimal")
    .map((c) => {
      const ratios = perRound(loaded, c.scenario, "minimal", (a, b) => (b.rps > 0 ? a.rps / b.rps : undefined));
      const cpu = perRound(loaded, c.scenario, "passthrough", (a, b) =>
        a.proxyCpuUsPerReq === undefined || b.proxyCpuUsPerReq === undefined ? undefined : a.proxyCpuUsPerReq - b.proxyCpuUsPerReq,
      );
      const whole = (u: number | undefined): string => (u === undefined ? "—" : `${u >= 0 ? "+" : "−"}${Math.round(Math.abs(u))}`);
      return [c.scenario, ratios.map(pct).join(" "), cpu.map(whole).join(" ")];
    });
  if (rows.length === 0) return [];
  return table(["scenario", "÷ minimal, round by round", "added CPU µs/req, round by round"], rows, ["l", "l", "l"]);
}

/** The table with its heading line, or nothing when there is no round to show. */
export function roundLines(runs: readonly RunRecord[], comparisons: readonly Comparison[]): string[] {
  const rows = roundsTable(runs, comparisons);
  if (rows.length === 0) return [];
  return [
    "Round by round (the spread is this machine's noise: a difference between scenarios smaller than it is not shown by this run):",
    "",
    ...rows,
    "",
  ];
}
