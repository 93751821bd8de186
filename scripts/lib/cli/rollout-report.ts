/**
 * How the config CLI reads and prints rollouts (`npm run config -- rollout …`): the admin
 * API's answer parsed before it is trusted, a table of every rollout for `rollout status`,
 * and one rollout in full — its steps with the current one marked, why it is paused or
 * ended, and each interval's verdict with its figures and the colo that failed it.
 */
import { z } from "zod";
import { formatAgo } from "../admin-report.ts";
import { renderTable } from "../table.ts";
import type { Paint } from "../table.ts";

const Figures = z.object({
  targetRequests: z.number(),
  stableRequests: z.number(),
  targetErrorRate: z.number(),
  stableErrorRate: z.number(),
  targetLatencyMs: z.number().nullable(),
  stableLatencyMs: z.number().nullable(),
  failed: z.string().nullable(),
});

export const RolloutAnswer = z.object({
  id: z.string(),
  route: z.string(),
  to: z.string(),
  state: z.string(),
  weight: z.number(),
  step: z.number(),
  steps: z.array(z.number()),
  intervalSeconds: z.number(),
  reason: z.string().nullable(),
  createdAt: z.number(),
  nextVerdictAt: z.number().nullable(),
  promotedVersion: z.number().nullable(),
  abTest: z.looseObject({}).nullable(),
  history: z.array(
    z.object({
      at: z.number(),
      step: z.number(),
      weight: z.number(),
      verdict: z.string(),
      decision: z.string(),
      figures: Figures.nullable(),
      colo: z.string().optional(),
    }),
  ),
});
export type RolloutAnswer = z.infer<typeof RolloutAnswer>;
export const RolloutList = z.object({ rollouts: z.array(RolloutAnswer) });

const pct = (rate: number): string => `${(rate * 100).toFixed(rate > 0 && rate < 0.01 ? 2 : 1)}%`;
const ms = (v: number | null): string => (v === null ? "-" : `${v.toFixed(v < 10 ? 1 : 0)}ms`);

function coloured(state: string, p: Paint): string {
  if (state === "promoted") return p.green(state);
  if (state === "rolled_back" || state === "aborted") return p.red(state);
  if (state === "paused") return p.yellow(state);
  return state;
}

/** `5% → [25%] → 50% → 100%`, the A/B stage first when there is one. */
export function formatSteps(r: RolloutAnswer, p: Paint): string {
  const stages = [...(r.abTest === null ? [] : [{ at: -1, label: "A/B" }]), ...r.steps.map((w, i) => ({ at: i, label: `${w}%` }))];
  const ended = r.state === "promoted" || r.state === "rolled_back" || r.state === "aborted";
  return stages.map((s) => (s.at === r.step && !ended ? p.bold(`[${s.label}]`) : s.label)).join(" → ");
}

/** One line per rollout, newest first. */
export function formatRolloutTable(rollouts: readonly RolloutAnswer[], p: Paint, now: number): string {
  if (rollouts.length === 0) return "no rollouts (start one: npm run config -- rollout start ROUTE --to POOL)";
  const rows = rollouts.map((r) => {
    const last = r.history.at(-1);
    return [
      r.id,
      r.route,
      r.to,
      coloured(r.state, p),
      `${r.weight}%`,
      formatSteps(r, p),
      last === undefined ? "-" : `${last.verdict} → ${last.decision} ${formatAgo(last.at, now)}`,
      r.reason ?? "",
    ];
  });
  return renderTable(["ID", "ROUTE", "TARGET", "STATE", "WEIGHT", "STEPS", "LAST VERDICT", "WHY"], rows, p, [
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    60,
  ]);
}

/** One rollout in full: its head, then each interval's verdict (newest first) with its figures. */
export function formatRollout(r: RolloutAnswer, p: Paint, now: number): string {
  const head = [
    `rollout ${p.bold(r.id)}: route ${r.route} → pool ${r.to}, ${coloured(r.state, p)}, ${r.weight}% to ${r.to}`,
    `  steps ${formatSteps(r, p)}, ${r.intervalSeconds} s each`,
    ...(r.reason === null ? [] : [`  why: ${r.reason}`]),
    ...(r.nextVerdictAt === null ? [] : [`  next verdict in ${Math.max(0, Math.round((r.nextVerdictAt - now) / 1000))} s`]),
    ...(r.promotedVersion === null ? [] : [`  promoted as config version ${r.promotedVersion}`]),
  ];
  if (r.history.length === 0) return [...head, "  no interval judged yet"].join("\n");
  const rows = [...r.history].reverse().map((e) => {
    const f = e.figures;
    const verdict = e.verdict === "fail" ? p.red(e.verdict) : e.verdict === "pass" ? p.green(e.verdict) : e.verdict;
    return [
      formatAgo(e.at, now),
      e.step === -1 ? "A/B" : String(e.step + 1),
      `${e.weight}%`,
      `${verdict} → ${e.decision}`,
      f === null ? "-" : `${f.targetRequests} req ${pct(f.targetErrorRate)} ${ms(f.targetLatencyMs)}`,
      f === null ? "-" : `${f.stableRequests} req ${pct(f.stableErrorRate)} ${ms(f.stableLatencyMs)}`,
      `${e.colo === undefined ? "" : `${e.colo}: `}${f?.failed ?? ""}`,
    ];
  });
  return [...head, "", renderTable(["WHEN", "STEP", "WEIGHT", "VERDICT", "TARGET", "STABLE", "COLO · FAILED CHECK"], rows, p)].join("\n");
}
