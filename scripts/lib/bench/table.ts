/** The steering benchmark's console table (npm run bench): one row per task, its target verdict last. */
import type { Result } from "./measure.ts";

/** Whole numbers with thousands separators. */
export const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** Nanoseconds, one decimal under 100. */
export function ns(value: number): string {
  return value < 100 ? value.toFixed(1) : integer.format(value);
}

function targetCell(r: Result): string {
  if (r.targetNs === undefined) return "";
  const limit = `< ${r.targetNs / 1_000} µs`;
  const ratio = r.meanNs / r.targetNs;
  return r.verdict === "ok" ? `ok (${limit})` : `OVER ${ratio.toFixed(ratio < 2 ? 2 : 1)}× (${limit})`;
}

/** The results as a Markdown table. */
export function table(results: readonly Result[]): string {
  const header = ["task", "N", "ns/op", "±", "p75 ns", "p99 ns", "ops/s", "batch", "TARGET"];
  const rows = results.map((r) => [
    r.task,
    integer.format(r.n),
    ns(r.meanNs),
    `${r.rmePercent.toFixed(1)}%`,
    ns(r.p75Ns),
    ns(r.p99Ns),
    integer.format(r.opsPerSecond),
    String(r.batch),
    targetCell(r),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => (row[c] ?? "").length)));
  const numeric = new Set([1, 2, 3, 4, 5, 6, 7]);
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0))).join(" | ")} |`;
  const rule = `|${widths.map((w, c) => (numeric.has(c) ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}
