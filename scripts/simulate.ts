/**
 * `npm run simulate`: the steering simulator. Runs every scenario (scripts/lib/simulate/
 * scenarios/) under every policy side by side in virtual time, with Edgeway's own steering,
 * latency estimation and outlier detection deciding every try, and reports how each
 * policy did against an oracle that always knows the best origin; then the rollout scenarios
 * (scripts/lib/simulate/rollout/): canaries judged by the real rollout controller, ten seeds each.
 *
 *   npm run simulate                                  # all scenarios, all policies; writes the report
 *   npm run simulate -- --scenario slowdown --policy pool-latency
 *   npm run simulate -- --scenario canary-errors     # one rollout scenario (seeds 1–10)
 *   npm run simulate -- --seed 7 --no-write           # another seed, print only
 *   npm run simulate -- --readme                      # also refresh the figures table in docs/performance.md
 *   npm run simulate -- --jobs 2                      # scenarios spread over 2 worker threads (same figures)
 *
 * Writes bench/results/simulate.json, docs/simulator.html and docs/simulator/<scenario>.svg
 * (and docs/simulator/rollouts.svg).
 * Deterministic: the same seed gives the same figures, byte for byte. The exit code is 0
 * whatever the figures (a benchmark reports, it does not fail CI).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { paint } from "./lib/table.ts";
import { simulatorHtml } from "./lib/simulate/chart.ts";
import { policiesNamed } from "./lib/simulate/policies.ts";
import { markdownSummary, renderText, toJson } from "./lib/simulate/report.ts";
import type { PolicyResult, ScenarioResult } from "./lib/simulate/report.ts";
import { scenariosNamed } from "./lib/simulate/scenarios/index.ts";
import { simulateScenario } from "./lib/simulate/run.ts";
import type { ScenarioOutcome } from "./lib/simulate/run.ts";
import type { Job } from "./lib/simulate/worker.ts";
import { colosNamed } from "./lib/simulate/world.ts";
import { renderRolloutText, rolloutHtml, rolloutJson, rolloutMarkdown, rolloutSvg } from "./lib/simulate/rollout/report.ts";
import { simulateRollout } from "./lib/simulate/rollout/run.ts";
import { ROLLOUT_SCENARIOS } from "./lib/simulate/rollout/scenarios/index.ts";
import { renderStagedText, simulateStaged } from "./lib/simulate/rollout/staged-run.ts";
import { STAGED_SCENARIOS } from "./lib/simulate/rollout/staged-scenarios.ts";

/** The page that carries the simulator's figures table between the markers; `--readme` refreshes it. */
const FIGURES_PAGE = "docs/performance.md";
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
    // One thread by default: on this project's shared 2-core machines two worker threads
    // measured slower (each loads and compiles the modules again); the figures are the same.
    jobs: { type: "string", default: "1" },
  },
});

const seed = Number(values.seed);
if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
// Names of rollout scenarios pick those; the rest pick steering scenarios (all of each kind when none is named).
const rolloutScenarios = ROLLOUT_SCENARIOS.filter((s) => values.scenario.length === 0 || values.scenario.includes(s.name));
const stagedScenarios = STAGED_SCENARIOS.filter((s) => values.scenario.length === 0 || values.scenario.includes(s.name));
const steeringNames = values.scenario.filter(
  (name) => !ROLLOUT_SCENARIOS.some((s) => s.name === name) && !STAGED_SCENARIOS.some((s) => s.name === name),
);
const scenarios = values.scenario.length > 0 && steeringNames.length === 0 ? [] : scenariosNamed(steeringNames);
const policies = policiesNamed(values.policy);
const jobs = Number(values.jobs);
if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`--jobs must be a whole number ≥ 1, got ${values.jobs}`);

/** Runs every scenario on `jobs` worker threads (in this thread when 1); outcomes in scenario order. */
async function simulateAll(jobs: number): Promise<ScenarioOutcome[]> {
  if (jobs <= 1) return scenarios.map((scenario) => simulateScenario(scenario, policies, seed));
  const names = policies.map((p) => p.name);
  const outcomes = new Map<string, ScenarioOutcome>();
  const pending = [...scenarios];
  const workers = Array.from(
    { length: Math.min(jobs, scenarios.length) },
    () => new Worker(new URL("./lib/simulate/worker.ts", import.meta.url)),
  );
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          const next = (): void => {
            const scenario = pending.shift();
            const job: Job | null = scenario === undefined ? null : { scenario: scenario.name, policies: names, seed };
            worker.postMessage(job);
            if (job === null) resolve();
          };
          worker.on("message", (outcome: ScenarioOutcome) => {
            outcomes.set(outcome.scenario, outcome);
            next();
          });
          worker.on("error", reject);
          next();
        }),
    ),
  );
  return scenarios.map((s) => {
    const outcome = outcomes.get(s.name);
    if (outcome === undefined) throw new Error(`simulator: no outcome for ${s.name}`);
    return outcome;
  });
}

/** An outcome with the scenario and policy objects put back. */
function resultOf(outcome: ScenarioOutcome): ScenarioResult {
  const scenario = scenarios.find((s) => s.name === outcome.scenario);
  if (scenario === undefined) throw new Error(`simulator: unknown scenario ${outcome.scenario}`);
  const runs = outcome.runs.map((run): PolicyResult => {
    const policy = policies.find((p) => p.name === run.policy);
    if (policy === undefined) throw new Error(`simulator: unknown policy ${run.policy}`);
    return { policy, figures: run.figures, added: run.added, checks: run.checks };
  });
  return { scenario, runs };
}

const started = performance.now();
const outcomes = await simulateAll(jobs);
const results = outcomes.map(resultOf);
const svgs = new Map(outcomes.map((o) => [o.scenario, o.svg] as const));
const seconds = (performance.now() - started) / 1_000;

if (results.length > 0) {
  console.log(renderText(results, paint()));
  const requests = results.reduce((n, r) => n + r.runs.reduce((m, run) => m + run.figures.requests, 0), 0);
  console.log(`\n${requests.toLocaleString("en")} simulated requests in ${seconds.toFixed(1)} s of wall time (seed ${seed}).`);
}

const rolloutStarted = performance.now();
const rollouts = rolloutScenarios.map((scenario) => simulateRollout(scenario, seed));
if (rollouts.length > 0) {
  const rolloutRequests = rollouts.reduce((n, r) => n + r.seeds.reduce((m, s) => m + s.requests, 0), 0);
  console.log(`\n${renderRolloutText(rollouts, paint())}`);
  console.log(
    `\n${rollouts.length * (rollouts[0]?.seeds.length ?? 0)} rollouts (${rolloutRequests.toLocaleString("en")} requests in their windows) in ${((performance.now() - rolloutStarted) / 1_000).toFixed(1)} s of wall time.`,
  );
}
const staged = stagedScenarios.map((scenario) => simulateStaged(scenario, seed));
if (staged.length > 0) console.log(`\n${renderStagedText(staged)}`);

if (!values["no-write"]) {
  const first = scenarios[0];
  const meta = { seed, colos: colosNamed(first?.colos).length, ratePerColo: first?.ratePerColo ?? 0 };
  mkdirSync(dirname(values.json), { recursive: true });
  writeFileSync(values.json, `${JSON.stringify({ ...(toJson(results, meta) as object), rollouts: rolloutJson(rollouts) }, null, 2)}\n`);
  const svgDir = join(values.docs, "simulator");
  mkdirSync(svgDir, { recursive: true });
  for (const [name, svg] of svgs) writeFileSync(join(svgDir, `${name}.svg`), svg);
  if (rollouts.length > 0) writeFileSync(join(svgDir, "rollouts.svg"), rolloutSvg(rollouts));
  const command = `npm run simulate${seed === 1 ? "" : ` -- --seed ${seed}`}`;
  writeFileSync(
    join(values.docs, "simulator.html"),
    simulatorHtml(results, (name) => `simulator/${name}.svg`, command, rolloutHtml(rollouts, "simulator/rollouts.svg")),
  );
  console.log(`Wrote ${values.json}, ${join(values.docs, "simulator.html")} and ${svgs.size} charts in ${svgDir}/.`);
}

if (values.readme) {
  const readme = readFileSync(FIGURES_PAGE, "utf8");
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin < 0 || end < begin) throw new Error(`${FIGURES_PAGE} has no ${README_BEGIN} … ${README_END} block to refresh`);
  const rolloutRows = rolloutMarkdown(rollouts);
  const table = `${README_BEGIN}\n${markdownSummary(results)}${rolloutRows === "" ? "" : `\n\n${rolloutRows}`}\n${README_END}`;
  writeFileSync(FIGURES_PAGE, readme.slice(0, begin) + table + readme.slice(end + README_END.length));
  console.log(`Refreshed the figures table in ${FIGURES_PAGE}.`);
}
