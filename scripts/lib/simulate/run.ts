/**
 * One scenario under every policy, measured against the oracle: the unit of work the
 * simulator spreads over worker threads (worker.ts).
 */
import { scenarioSvg } from "./chart.ts";
import { runScenario } from "./engine.ts";
import { figuresOf } from "./metrics.ts";
import type { Figures } from "./metrics.ts";
import { ORACLE } from "./policies.ts";
import type { Policy } from "./policies.ts";
import { check } from "./targets.ts";
import type { Added, Check } from "./targets.ts";
import type { Scenario } from "./types.ts";

/** What one scenario's runs give, as plain data (it crosses from a worker thread). */
export interface ScenarioOutcome {
  readonly scenario: string;
  readonly runs: readonly {
    readonly policy: string;
    readonly figures: Figures;
    readonly added?: Added;
    readonly checks: readonly Check[];
  }[];
  readonly svg: string;
}

export function simulateScenario(scenario: Scenario, policies: readonly Policy[], seed: number): ScenarioOutcome {
  const records = policies.map((policy) => runScenario(scenario, policy, seed));
  const figures = records.map((record) => figuresOf(scenario, record));
  const oracle = figures[policies.findIndex((p) => p.name === ORACLE)];
  const runs = policies.map((policy, i) => {
    const f = figures[i];
    if (f === undefined) throw new Error("simulator: a run has no figures");
    const added =
      oracle === undefined || policy.name === ORACLE
        ? undefined
        : { meanMs: f.meanMs - oracle.meanMs, meanPct: (f.meanMs / oracle.meanMs - 1) * 100, p99Ms: f.p99Ms - oracle.p99Ms };
    return { policy: policy.name, figures: f, added, checks: policy.targets === true ? check(scenario.targets, f, added) : [] };
  });
  return { scenario: scenario.name, runs, svg: scenarioSvg(scenario, records) };
}
