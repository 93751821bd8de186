/**
 * The rollout scenarios in the simulator's report: a table for the terminal, the JSON
 * section (bench/results/simulate.json `rollouts`), the Markdown rows docs/performance.md
 * carries, and the HTML section with its chart (the target's share of requests over time).
 */
import { renderTable } from "../../table.ts";
import type { Paint } from "../../table.ts";
import type { RolloutResult, RolloutSeedFigures } from "./run.ts";

const pct = (x: number, digits = 2): string => `${(x * 100).toFixed(digits)} %`;
const secs = (x: number | undefined): string => (x === undefined ? "–" : `${x.toFixed(0)} s`);
const escapeXml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** "promoted at 240 s" / "rolled back at 10 s (interval 1)". */
function decision(s: RolloutSeedFigures): string {
  if (s.state === "promoted") return `promoted at ${secs(s.decidedAtS)}`;
  if (s.state === "rolled_back") return `rolled back at ${secs(s.decidedAtS)} (interval ${s.interval})`;
  return s.state;
}

/** The verdict of a result's checks: "pass" or the failed targets. */
export function rolloutVerdict(r: RolloutResult): string {
  const failed = r.checks.filter((c) => !c.pass);
  return failed.length === 0 ? "pass" : `FAIL ${failed.map((c) => `${c.target} ${c.figure}`).join("; ")}`;
}

/** One row per scenario: its first seed, and the worst of all seeds. */
export function rolloutTable(results: readonly RolloutResult[]): { header: string[]; rows: string[][] } {
  const header = ["scenario", "first seed", "to target", "worst of seeds", "promoted", "rolled back", "named", "targets"];
  const rows = results.map((r) => {
    const first = r.seeds[0];
    const latest = Math.max(...r.seeds.map((s) => s.decidedAtS ?? Number.POSITIVE_INFINITY));
    const share = Math.max(...r.seeds.map((s) => s.targetShare));
    const named = [...new Set(r.seeds.map((s) => s.colo).filter((c) => c !== ""))].join(", ");
    return [
      r.scenario.name,
      first === undefined ? "" : decision(first),
      first === undefined ? "" : pct(first.targetShare),
      `${Number.isFinite(latest) ? `by ${latest.toFixed(0)} s` : "not decided"}, ${pct(share)}`,
      `${r.promotions}/${r.seeds.length}`,
      `${r.rollbacks}/${r.seeds.length}`,
      named,
      rolloutVerdict(r),
    ];
  });
  return { header, rows };
}

export function renderRolloutText(results: readonly RolloutResult[], p: Paint): string {
  if (results.length === 0) return "";
  const { header, rows } = rolloutTable(results);
  const coloured = rows.map((row) => row.map((cell) => (cell === "pass" ? p.green(cell) : cell.startsWith("FAIL") ? p.red(cell) : cell)));
  const first = results[0];
  const lines = [
    p.bold("Rollouts: canaries judged on the fleet's traffic reports, per colo (src/rollout/)"),
    p.dim(
      `Steps ${first?.steps.join(", ")} % of the route, ${first?.intervalSeconds} s each; ${first?.seeds.length} seeds from the given one; "to target": share of the route's requests over the rollout's length (${first?.windowS} s).`,
    ),
    renderTable(header, coloured, p),
  ];
  for (const r of results) {
    const s = r.seeds[0];
    lines.push(`${p.bold(r.scenario.name)}: ${p.dim(r.scenario.story)}`);
    if (s?.failed !== undefined) lines.push(`  first seed's verdict: ${s.colo === "all colos" ? "" : `${s.colo}: `}${s.failed}`);
    for (const c of r.checks) lines.push(`  ${c.pass ? p.green("✓") : p.red("✗")} ${c.goal}: ${c.figure}`);
  }
  return lines.join("\n");
}

/** The JSON section: every seed's figures and the checks. Deterministic for a seed. */
export function rolloutJson(results: readonly RolloutResult[]): unknown {
  return results.map((r) => ({
    name: r.scenario.name,
    title: r.scenario.title,
    story: r.scenario.story,
    steps: r.steps,
    intervalSeconds: r.intervalSeconds,
    windowS: r.windowS,
    targets: r.scenario.targets,
    promotions: r.promotions,
    rollbacks: r.rollbacks,
    checks: r.checks,
    verdict: rolloutVerdict(r),
    seeds: r.seeds,
  }));
}

/** Markdown rows: each target with its figure over all seeds. */
export function rolloutMarkdown(results: readonly RolloutResult[]): string {
  if (results.length === 0) return "";
  const lines = ["| rollout scenario | target | over seeds 1–10 (first seed's decision) |", "| --- | --- | --- |"];
  for (const r of results) {
    const first = r.seeds[0];
    for (const c of r.checks) {
      lines.push(
        `| ${r.scenario.name} | ${c.goal} | ${c.pass ? "✅" : "❌"} ${c.figure} (${first === undefined ? "" : decision(first)}) |`,
      );
    }
  }
  return lines.join("\n");
}

const W = 300;
const H = 110;
const GAP = 28;

/** An SVG of small multiples: the target's share of requests per second, one panel per scenario, step boundaries dashed. */
export function rolloutSvg(results: readonly RolloutResult[]): string {
  const columns = 2;
  const rows = Math.ceil(results.length / columns);
  const width = columns * W + (columns + 1) * GAP;
  const height = rows * (H + GAP + 14) + GAP;
  const panels = results.map((r, i) => {
    const x = GAP + (i % columns) * (W + GAP);
    const y = GAP + Math.floor(i / columns) * (H + GAP + 14);
    const n = r.shareBySecond.length;
    const sx = (s: number): number => x + (s / Math.max(1, n)) * W;
    const sy = (v: number): number => y + H - v * H;
    const points = r.shareBySecond
      .map((v, s) => `${sx(s).toFixed(1)},${sy(v).toFixed(1)} ${sx(s + 1).toFixed(1)},${sy(v).toFixed(1)}`)
      .join(" ");
    const ticks = r.steps.map((_, k) => {
      const tx = sx((k + 1) * r.intervalSeconds).toFixed(1);
      return `<line x1="${tx}" y1="${y}" x2="${tx}" y2="${y + H}" stroke="#999" stroke-dasharray="3 3"/>`;
    });
    return `<text x="${x}" y="${y - 6}" font-size="12" font-weight="bold">${escapeXml(r.scenario.name)}</text>${ticks.join("")}<polyline points="${points}" fill="none" stroke="#e15759" stroke-width="1.5"/><rect x="${x}" y="${y}" width="${W}" height="${H}" fill="none" stroke="#999"/><text x="${x}" y="${y + H + 12}" font-size="10">0</text><text x="${x + W}" y="${y + H + 12}" font-size="10" text-anchor="end">${n} s</text><text x="${x - 4}" y="${y + 8}" font-size="10" text-anchor="end">100 %</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif"><title>Rollouts: the target's share of the route's requests per second (first seed)</title><rect width="100%" height="100%" fill="#fff"/>${panels.join("")}</svg>\n`;
}

/** The HTML section for docs/simulator.html. */
export function rolloutHtml(results: readonly RolloutResult[], svgPath: string): string {
  if (results.length === 0) return "";
  const { header, rows } = rolloutTable(results);
  const table = `<table><thead><tr>${header.map((h) => `<th>${escapeXml(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map(
      (row) =>
        `<tr>${row.map((cell) => `<td class="${cell === "pass" ? "pass" : cell.startsWith("FAIL") ? "fail" : ""}">${escapeXml(cell)}</td>`).join("")}</tr>`,
    )
    .join("")}</tbody></table>`;
  const stories = results
    .map(
      (r) =>
        `<li><b>${escapeXml(r.scenario.name)}</b>: ${escapeXml(r.scenario.story)}<ul>${r.checks.map((c) => `<li class="${c.pass ? "pass" : "fail"}">${escapeXml(`${c.goal}: ${c.figure}`)}</li>`).join("")}</ul></li>`,
    )
    .join("");
  return `<section id="rollouts"><h2>Rollouts <small>(src/rollout/, docs/rollouts.md)</small></h2><p>Canary rollouts on the real controller and analysis: 14 colos, the route's traffic moved to the target in steps, judged on the colos' traffic reports every 10 s; ten seeds per scenario. The chart shows the first seed's share of requests to the target per second; dashed lines mark the ends of the intervals.</p>${table}<ul>${stories}</ul><img src="${escapeXml(svgPath)}" alt="The target's share of requests per second in each rollout scenario"></section>`;
}
