/**
 * Charts: for each scenario one SVG of small multiples, one panel per policy, each a
 * stacked area of the origins' shares of all tries over time (1 s steps), with the
 * scenario's events as dashed lines; and the HTML page (docs/simulator.html) that shows
 * them beside the figures tables.
 */
import { BIN_MS } from "./engine.ts";
import type { RunRecord } from "./engine.ts";
import { scenarioTable } from "./report.ts";
import type { ScenarioResult } from "./report.ts";
import type { Scenario } from "./types.ts";

const COLOURS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f"];
const PANEL_W = 300;
const PANEL_H = 130;
const GAP = 28;
const COLUMNS = 3;
const LEGEND_H = 28;
/** Bins per plotted step: 1 s. */
const STEP_BINS = Math.max(1, Math.round(1_000 / BIN_MS));

const escapeXml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Each origin's share of all tries per plotted step: shares[step][origin]. */
export function sharesOverTime(record: RunRecord): number[][] {
  const C = record.colos.length;
  const O = record.origins.length;
  const steps: number[][] = [];
  for (let start = 0; start < record.nBins; start += STEP_BINS) {
    const counts = new Array<number>(O).fill(0);
    for (let b = start; b < Math.min(record.nBins, start + STEP_BINS); b++)
      for (let c = 0; c < C; c++) for (let o = 0; o < O; o++) counts[o] = (counts[o] ?? 0) + (record.tries[(b * C + c) * O + o] ?? 0);
    const total = counts.reduce((a, b) => a + b, 0);
    steps.push(counts.map((n) => (total === 0 ? 0 : n / total)));
  }
  return steps;
}

function panel(record: RunRecord, scenario: Scenario, x: number, y: number): string {
  const shares = sharesOverTime(record);
  const n = shares.length;
  const sx = (i: number): number => x + (i / Math.max(1, n)) * PANEL_W;
  const sy = (v: number): number => y + PANEL_H - v * PANEL_H;
  const parts: string[] = [];
  const below = new Array<number>(n).fill(0);
  record.origins.forEach((_, o) => {
    const top = shares.map((s, i) => (below[i] ?? 0) + (s[o] ?? 0));
    const upper = top.flatMap((v, i) => [`${sx(i).toFixed(1)},${sy(v).toFixed(1)}`, `${sx(i + 1).toFixed(1)},${sy(v).toFixed(1)}`]);
    const lower = below
      .map((v, i) => [`${sx(i + 1).toFixed(1)},${sy(v).toFixed(1)}`, `${sx(i).toFixed(1)},${sy(v).toFixed(1)}`])
      .reverse()
      .flat();
    parts.push(`<polygon points="${[...upper, ...lower].join(" ")}" fill="${COLOURS[o % COLOURS.length]}"/>`);
    top.forEach((v, i) => {
      below[i] = v;
    });
  });
  for (const at of new Set(scenario.events.map((e) => e.at))) {
    const ex = x + ((at * 1_000) / (record.nBins * BIN_MS)) * PANEL_W;
    parts.push(`<line x1="${ex.toFixed(1)}" y1="${y}" x2="${ex.toFixed(1)}" y2="${y + PANEL_H}" stroke="#222" stroke-dasharray="3 3"/>`);
  }
  parts.push(`<rect x="${x}" y="${y}" width="${PANEL_W}" height="${PANEL_H}" fill="none" stroke="#999"/>`);
  parts.push(`<text x="${x}" y="${y - 6}" font-size="12" font-weight="bold">${escapeXml(record.policy)}</text>`);
  parts.push(`<text x="${x + PANEL_W}" y="${y + PANEL_H + 12}" font-size="10" text-anchor="end">${scenario.durationS} s</text>`);
  parts.push(`<text x="${x}" y="${y + PANEL_H + 12}" font-size="10">0</text>`);
  return parts.join("");
}

/** The SVG for one scenario: a panel per policy and a legend of origins. */
export function scenarioSvg(scenario: Scenario, records: readonly RunRecord[]): string {
  const rows = Math.ceil(records.length / COLUMNS);
  const width = COLUMNS * PANEL_W + (COLUMNS + 1) * GAP;
  const height = LEGEND_H + rows * (PANEL_H + GAP + 10) + GAP;
  const origins = records[0]?.origins ?? [];
  const legend = origins
    .map((id, o) => {
      const lx = GAP + o * 120;
      return `<rect x="${lx}" y="8" width="12" height="12" fill="${COLOURS[o % COLOURS.length]}"/><text x="${lx + 16}" y="18" font-size="11">${escapeXml(id)}</text>`;
    })
    .join("");
  const panels = records
    .map((r, i) =>
      panel(r, scenario, GAP + (i % COLUMNS) * (PANEL_W + GAP), LEGEND_H + GAP + Math.floor(i / COLUMNS) * (PANEL_H + GAP + 10)),
    )
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif"><title>${escapeXml(scenario.title)}: share of tries per origin over time</title><rect width="100%" height="100%" fill="#fff"/>${legend}${panels}</svg>\n`;
}

/** The HTML page: for each scenario its story, its figures table and its chart (the SVG files beside it); `after`: sections that follow (the rollouts'). */
export function simulatorHtml(
  results: readonly ScenarioResult[],
  svgPath: (scenario: string) => string,
  command: string,
  after = "",
): string {
  const sections = results
    .map((r) => {
      const { header, rows } = scenarioTable(r);
      const table = `<table><thead><tr>${header.map((h) => `<th>${escapeXml(h)}</th>`).join("")}</tr></thead><tbody>${rows
        .map(
          (row) =>
            `<tr>${row.map((cell) => `<td class="${cell === "pass" ? "pass" : cell.startsWith("FAIL") ? "fail" : ""}">${escapeXml(cell)}</td>`).join("")}</tr>`,
        )
        .join("")}</tbody></table>`;
      const colos = Object.keys(r.runs[0]?.figures.bestShareByColo ?? {});
      const byColo = `<details><summary>Share to the best origin, per colo</summary><table><thead><tr><th>policy</th>${colos
        .map((c) => `<th>${escapeXml(c)}</th>`)
        .join("")}</tr></thead><tbody>${r.runs
        .map(
          (run) =>
            `<tr><td>${escapeXml(run.policy.name)}</td>${colos.map((c) => `<td>${((run.figures.bestShareByColo[c] ?? 0) * 100).toFixed(0)} %</td>`).join("")}</tr>`,
        )
        .join("")}</tbody></table></details>`;
      return `<section id="${escapeXml(r.scenario.name)}"><h2>${escapeXml(r.scenario.title)} <small>(${escapeXml(r.scenario.name)})</small></h2><p>${escapeXml(r.scenario.story)}</p>${table}${byColo}<img src="${escapeXml(svgPath(r.scenario.name))}" alt="${escapeXml(r.scenario.title)}: share of tries per origin over time, one panel per policy"></section>`;
    })
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Edgeway steering simulator</title>
<style>body{font-family:system-ui,sans-serif;max-width:1060px;margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse;font-size:13px;margin:0.5em 0}th,td{border:1px solid #ccc;padding:2px 6px;text-align:right;white-space:nowrap}th:first-child,td:first-child{text-align:left}td.pass{color:#2a7d2a}td.fail{color:#b00;text-align:left;white-space:normal}img{max-width:100%}small{color:#777}</style></head>
<body><h1>Edgeway steering simulator</h1>
<p>Generated by <code>${escapeXml(command)}</code>. Each scenario runs every policy in virtual time over the same seeded arrivals; the steering is Edgeway's own code. <b>best</b>: share of first tries to the best origin for the colo at that moment; <b>+mean</b>, <b>+p99</b>: request latency over the oracle's; <b>shift</b>/<b>recover</b>: seconds until the slowed origin's share in its colos falls to 10 % / returns to 80 % of what it was; <b>new in use</b>: seconds until the new origin has half the tries of the colos it is best for; <b>min share</b>, <b>longest gap</b>: the least-used origin that stayed healthy, per colo. Charts: share of all tries per origin, one panel per policy; dashed lines mark the scenario's events. docs/performance.md, "Steering simulator", explains the model.</p>
${sections}
${after}
</body></html>
`;
}
