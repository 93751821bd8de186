/**
 * A staged config change scenario over ten seeds, its figures and its targets checked on
 * every seed, and the lines the simulator's report prints:
 *
 * - rollback-before-all: rolled back in every seed, naming the bad colo, while the candidate
 *   was in force in fewer than every colo;
 * - promote-on-time: promoted in every seed, never rolled back, after stages × interval, or
 *   one interval more where KV brought the first stage to its colo after its first interval
 *   had ended (KV may be a minute stale: that interval has no candidate traffic, so it holds).
 */
import { REPORT_INTERVAL_MS } from "../../../../src/state/traffic-report.ts";
import { runStaged } from "./staged-engine.ts";
import type { StagedRun, StagedScenario } from "./staged-engine.ts";

export const STAGED_SEEDS = 10;

export interface StagedSeedFigures {
  readonly seed: number;
  readonly state: string;
  readonly decidedAtS: number | undefined;
  /** The stage (index) the decision came at. */
  readonly stage: number;
  /** Share of all requests over stages × interval that the candidate served. */
  readonly candidateShare: number;
  /** Seconds from the start to the last request the candidate served. */
  readonly lastCandidateS: number | undefined;
  readonly mostColos: number;
  readonly colo: string;
  readonly failed: string | undefined;
}

export interface StagedCheck {
  readonly target: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface StagedResult {
  readonly scenario: StagedScenario;
  readonly seeds: readonly StagedSeedFigures[];
  readonly checks: readonly StagedCheck[];
}

function figuresOf(run: StagedRun): StagedSeedFigures {
  const history = run.change.rollout.history;
  const last = history.at(-1);
  const failed = last?.verdict === "fail" ? last : undefined;
  return {
    seed: run.seed,
    state: run.change.rollout.state,
    decidedAtS: run.decidedAtMs === undefined ? undefined : run.decidedAtMs / 1_000,
    stage: last?.step ?? 0,
    candidateShare: run.requests === 0 ? 0 : run.candidateRequests / run.requests,
    lastCandidateS: run.lastCandidateMs === undefined ? undefined : run.lastCandidateMs / 1_000,
    mostColos: run.mostColos,
    colo: failed === undefined ? "" : (failed.colo ?? "all colos"),
    failed: failed?.figures?.failed,
  };
}

function check(scenario: StagedScenario, seeds: readonly StagedSeedFigures[], colos: number): StagedCheck[] {
  return scenario.targets.map((target): StagedCheck => {
    if (target === "rollback-before-all") {
      const bad = seeds.filter((s) => s.state !== "rolled_back" || s.colo !== scenario.badColo || s.mostColos >= colos);
      return {
        target,
        ok: bad.length === 0,
        detail: `${seeds.length - bad.length}/${seeds.length} rolled back naming ${scenario.badColo}, in force in at most ${Math.max(...seeds.map((s) => s.mostColos))} of ${colos} colos`,
      };
    }
    const dueS = scenario.stages.length * scenario.intervalSeconds;
    const round = REPORT_INTERVAL_MS / 1_000;
    const late = seeds.filter(
      (s) => s.state !== "promoted" || (s.decidedAtS ?? Number.POSITIVE_INFINITY) > dueS + scenario.intervalSeconds + round,
    );
    const onTime = seeds.filter((s) => s.state === "promoted" && (s.decidedAtS ?? Number.POSITIVE_INFINITY) <= dueS + round).length;
    const rolledBack = seeds.filter((s) => s.state === "rolled_back").length;
    return {
      target,
      ok: late.length === 0,
      detail: `${seeds.length - late.length}/${seeds.length} promoted: ${onTime} at ${dueS} s, the rest one interval later (KV brought the first stage late); ${rolledBack} rolled back`,
    };
  });
}

/** Runs `scenario` with seeds `seed` … `seed + STAGED_SEEDS − 1`. */
export function simulateStaged(scenario: StagedScenario, seed: number): StagedResult {
  const runs = Array.from({ length: STAGED_SEEDS }, (_, i) => runStaged(scenario, seed + i));
  const seeds = runs.map(figuresOf);
  return { scenario, seeds, checks: check(scenario, seeds, runs[0]?.colos ?? 0) };
}

const pct = (x: number): string => `${(x * 100).toFixed(2)} %`;

/** The report's lines for staged scenarios. */
export function renderStagedText(results: readonly StagedResult[]): string {
  const lines: string[] = ["Staged config changes (the real stage controller and analysis; ten seeds each):"];
  for (const r of results) {
    lines.push("", `${r.scenario.name}: ${r.scenario.title}`);
    for (const s of r.seeds) {
      const decided = s.decidedAtS === undefined ? "undecided" : `${s.state} at ${s.decidedAtS} s (stage ${s.stage})`;
      const why = s.failed === undefined ? "" : ` — ${s.colo}: ${s.failed}`;
      lines.push(`  seed ${s.seed}: ${decided}; candidate served ${pct(s.candidateShare)} of requests, in ≤ ${s.mostColos} colos${why}`);
    }
    for (const c of r.checks) lines.push(`  ${c.ok ? "✓" : "✗"} ${c.target}: ${c.detail}`);
  }
  return lines.join("\n");
}
