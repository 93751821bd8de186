/** Markdown tables and the number formats the load test's report uses. */

export const ms = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? "—" : n.toFixed(2));
export const us = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? "—" : Math.round(n).toString());
export const pct = (n: number | undefined) => (n === undefined ? "—" : `${Math.round(n * 100)}%`);
export const times = (n: number | undefined) => (n === undefined ? "—" : `${n.toFixed(2)}×`);
export const signed = (n: number | undefined, unit: string) =>
  n === undefined ? "—" : `${n >= 0 ? "+" : "−"}${Math.abs(n).toFixed(2)} ${unit}`;
export const mark = (ok: boolean | undefined) => (ok === undefined ? "" : ok ? " ✓" : " ✗");
export const sec = (n: number | undefined) => (n === undefined ? "—" : `${(n / 1_000).toFixed(2)} s`);

export function table(header: readonly string[], rows: readonly (readonly string[])[], align: readonly ("l" | "r")[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const cell = (s: string, i: number) => (align[i] === "r" ? s.padStart(widths[i] ?? 0) : s.padEnd(widths[i] ?? 0));
  return [
    `| ${header.map(cell).join(" | ")} |`,
    `|${widths.map((w, i) => (align[i] === "r" ? `${"-".repeat(w + 1)}:` : `${"-".repeat(w + 2)}`)).join("|")}|`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ];
}
