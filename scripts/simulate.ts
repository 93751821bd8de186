/**
 * `npm run simulate`: the steering simulator. Runs every scenario (scripts/lib/simulate/
 * scenarios/) under every policy side by side in virtual time, with Edgeway's own steering,
 * latency estimation and outlier detection deciding every try, and reports how each
 * policy did against an oracle that always knows the best origin.
 *
 *   npm run simulate                                  # all scenarios, all policies; writes the report
 *   npm run simulate -- --scenario slowdown --policy pool-latency
 *   npm run simulate -- --seed 7 --no-write           # another seed, print only
 *   npm run simulate -- --readme                      # also refresh the README's figures table
 *
 * Writes bench/results/simulate.json, docs/simulator.html and docs/simulator/<scenario>.svg.
 * Deterministic: the same seed gives the same figures, byte for byte. The exit code is 0
 * whatever the figures (a benchmark reports, it does not fail CI).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { paint } from "./lib/table.ts";
import { scenarioSvg, simulatorHtml } from "./lib/simulate/chart.ts";
import { runScenario } from "./lib/simulate/engine.ts";
import type { RunRecord } from "./lib/simulate/engine.ts";
import { figuresOf } from "./lib/simulate/metrics.ts";
import { ORACLE, policiesNamed } from "./lib/simulate/policies.ts";
import { markdownSummary, renderText, toJson } from "./lib/simulate/report.ts";
import type { PolicyResult, ScenarioResult } from "./lib/simulate/report.ts";
import { scenariosNamed } from "./lib/simulate/scenarios/index.ts";
import { check } from "./lib/simulate/targets.ts";
import type { Scenario } from "./lib/simulate/types.ts";
import { colosNamed } from "./lib/simulate/world.ts";

const README_BEGIN = "<!-- simulate:begin -->";
const README_END = "<!-- simulate:end -->";

const { values } = parseArgs({
  options: {
    seed: { type: "string", default: "1" },
    scenario: { type: "string", multiple: true, default: [] },
    policy: { type: "string", multiple: true, default: [] },
    json: { type: "string", default: "bench/results/simulate.json" },
    docs: { type: "string", default: "docs" },
    "no-write": { type: "boolean", default: false },
    readme: { type: "boolean", default: false },
  },
});

const seed = Number(values.seed);
if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
const scenarios = scenariosNamed(values.scenario);
const policies = policiesNamed(values.policy);

/** Runs one scenario under every policy and measures each against the oracle. */
function simulate(scenario: Scenario): { result: ScenarioResult; records: RunRecord[] } {
  const records = policies.map((policy) => runScenario(scenario, policy, seed));
  const figures = records.map((record) => figuresOf(scenario, record));
  const oracle = figures[policies.findIndex((p) => p.name === ORACLE)];
  const runs = policies.map((policy, i): PolicyResult => {
    const f = figures[i];
    if (f === undefined) throw new Error("simulator: a run has no figures");
    const added =
      oracle === undefined || policy.name === ORACLE
        ? undefined
        : { meanMs: f.meanMs - oracle.meanMs, meanPct: (f.meanMs / oracle.meanMs - 1) * 100, p99Ms: f.p99Ms - oracle.p99Ms };
    return { policy, figures: f, added, checks: policy.targets === true ? check(scenario.targets, f, added) : [] };
  });
  return { result: { scenario, runs }, records };
}

const started = performance.now();
const results: ScenarioResult[] = [];
const svgs = new Map<string, string>();
for (const scenario of scenarios) {
  const { result, records } = simulate(scenario);
  results.push(result);
  svgs.set(scenario.name, scenarioSvg(scenario, records));
}
const seconds = (performance.now() - started) / 1_000;

console.log(renderText(results, paint()));
const requests = results.reduce((n, r) => n + r.runs.reduce((m, run) => m + run.figures.requests, 0), 0);
console.log(`\n${requests.toLocaleString("en")} simulated requests in ${seconds.toFixed(1)} s of wall time (seed ${seed}).`);

if (!values["no-write"]) {
  const first = scenarios[0];
  const meta = { seed, colos: colosNamed(first?.colos).length, ratePerColo: first?.ratePerColo ?? 0 };
  mkdirSync(dirname(values.json), { recursive: true });
  writeFileSync(values.json, `${JSON.stringify(toJson(results, meta), null, 2)}\n`);
  const svgDir = join(values.docs, "simulator");
  mkdirSync(svgDir, { recursive: true });
  for (const [name, svg] of svgs) writeFileSync(join(svgDir, `${name}.svg`), svg);
  const command = `npm run simulate${seed === 1 ? "" : ` -- --seed ${seed}`}`;
  writeFileSync(
    join(values.docs, "simulator.html"),
    simulatorHtml(results, (name) => `simulator/${name}.svg`, command),
  );
  console.log(`Wrote ${values.json}, ${join(values.docs, "simulator.html")} and ${svgs.size} charts in ${svgDir}/.`);
}

if (values.readme) {
  const readme = readFileSync("README.md", "utf8");
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin < 0 || end < begin) throw new Error(`README.md has no ${README_BEGIN} … ${README_END} block to refresh`);
  const table = `${README_BEGIN}\n${markdownSummary(results)}\n${README_END}`;
  writeFileSync("README.md", readme.slice(0, begin) + table + readme.slice(end + README_END.length));
  console.log("Refreshed the figures table in README.md.");
}
