/**
 * The simulator's report: a table per scenario for the terminal, the JSON document
 * (bench/results/simulate.json), and the Markdown summary docs/performance.md carries.
 */
import { renderTable } from "../table.ts";
import type { Paint } from "../table.ts";
import type { Figures } from "./metrics.ts";
import type { Policy } from "./policies.ts";
import { pct, timing } from "./targets.ts";
import type { Added, Check } from "./targets.ts";
import type { Scenario } from "./types.ts";

export interface PolicyResult {
  readonly policy: Policy;
  readonly figures: Figures;
  /** Over the oracle; undefined for the oracle itself. */
  readonly added: Added | undefined;
  /** Target checks (only for policies with targets). */
  readonly checks: readonly Check[];
}

export interface ScenarioResult {
  readonly scenario: Scenario;
  readonly runs: readonly PolicyResult[];
}

const ms = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : "–");
const signed = (x: number, unit = ""): string => (Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${x.toFixed(1)}${unit}` : "–");

/** Which optional columns a scenario shows. */
function columnsFor(s: Scenario): { slowdown: boolean; join: boolean; fastFail: boolean } {
  return { slowdown: s.marks.slowdown !== undefined, join: s.marks.join !== undefined, fastFail: s.marks.fastFail !== undefined };
}

/** A run's verdict: "pass", the failed targets, or "" for a policy without targets. */
export function verdict(run: PolicyResult): string {
  if (run.checks.length === 0) return "";
  const failed = run.checks.filter((c) => !c.pass);
  return failed.length === 0 ? "pass" : `FAIL ${failed.map((c) => `${c.target} ${c.figure}`).join("; ")}`;
}

/** The rows of one scenario's table (shared by the terminal and the HTML page). */
export function scenarioTable(result: ScenarioResult): { header: string[]; rows: string[][] } {
  const cols = columnsFor(result.scenario);
  const header = ["policy", "best", "mean ms", "+mean", "+p99 ms", "errors"];
  if (cols.slowdown) header.push("shift", "recover");
  if (cols.join) header.push("new in use");
  if (cols.fastFail) header.push("fast-fail share");
  header.push("min share", "longest gap", "targets");
  const rows = result.runs.map((run) => {
    const f = run.figures;
    const row = [
      run.policy.name,
      pct(f.bestShare),
      ms(f.meanMs),
      run.added === undefined ? "" : `${signed(run.added.meanMs)} (${signed(run.added.meanPct, " %")})`,
      run.added === undefined ? "" : signed(run.added.p99Ms),
      pct(f.errorRate, 2),
    ];
    if (cols.slowdown) row.push(timing(f.shiftS), timing(f.recoverS));
    if (cols.join) row.push(timing(f.newOriginS));
    if (cols.fastFail) row.push(pct(f.fastFailShare ?? Number.NaN, 2));
    row.push(pct(f.minShare.share, 2), `${f.maxGap.seconds.toFixed(1)} s`, verdict(run));
    return row;
  });
  return { header, rows };
}

export function renderText(results: readonly ScenarioResult[], p: Paint): string {
  return results
    .map((result) => {
      const { header, rows } = scenarioTable(result);
      const coloured = rows.map((row) =>
        row.map((cell) => (cell === "pass" ? p.green(cell) : cell.startsWith("FAIL") ? p.red(cell) : cell)),
      );
      return `${p.bold(`${result.scenario.name}: ${result.scenario.title}`)}\n${p.dim(result.scenario.story)}\n${renderTable(header, coloured, p)}`;
    })
    .join("\n\n");
}

export interface RunMeta {
  readonly seed: number;
  readonly colos: number;
  readonly ratePerColo: number;
}

/** The JSON report: every figure of every run, and the target checks. Deterministic for a seed (no wall-clock times). */
export function toJson(results: readonly ScenarioResult[], meta: RunMeta): unknown {
  return {
    meta,
    scenarios: results.map((r) => ({
      name: r.scenario.name,
      title: r.scenario.title,
      story: r.scenario.story,
      durationS: r.scenario.durationS,
      warmupS: r.scenario.warmupS,
      targets: r.scenario.targets,
      runs: r.runs.map((run) => ({
        ...run.figures,
        added: run.added,
        checks: run.checks,
        verdict: verdict(run) || undefined,
      })),
    })),
  };
}

/** Markdown: the targets for the latency policies, and added mean latency per scenario and policy. */
export function markdownSummary(results: readonly ScenarioResult[]): string {
  const targeted = results[0]?.runs.filter((r) => r.checks.length > 0 || r.policy.targets === true).map((r) => r.policy.name) ?? [];
  const lines: string[] = [];
  lines.push(`| scenario | target | ${targeted.join(" | ")} |`, `| --- | --- | ${targeted.map(() => "---").join(" | ")} |`);
  for (const r of results) {
    for (const target of r.scenario.targets) {
      const cells = targeted.map((name) => {
        const c = r.runs.find((run) => run.policy.name === name)?.checks.find((x) => x.target === target);
        return c === undefined ? "" : `${c.pass ? "✅" : "❌"} ${c.figure}`;
      });
      const goal = r.runs.flatMap((run) => run.checks).find((c) => c.target === target)?.goal ?? target;
      lines.push(`| ${r.scenario.name} | ${goal} | ${cells.join(" | ")} |`);
    }
  }
  const policies = results[0]?.runs.filter((r) => r.added !== undefined).map((r) => r.policy.name) ?? [];
  lines.push(
    "",
    `| mean added latency over the oracle (errors) | ${policies.join(" | ")} |`,
    `| --- | ${policies.map(() => "---:").join(" | ")} |`,
  );
  for (const r of results) {
    const cells = policies.map((name) => {
      const run = r.runs.find((x) => x.policy.name === name);
      return run?.added === undefined ? "" : `${signed(run.added.meanPct, " %")} (${pct(run.figures.errorRate, 2)})`;
    });
    lines.push(`| ${r.scenario.name} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}
