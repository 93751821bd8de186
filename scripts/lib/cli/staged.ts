/**
 * Staged config changes in the config CLI (docs/rollouts.md#staged-config-changes), through
 * the admin API:
 *
 *   push FILE --url URL --staged [--stages 1,10,100] [--interval 60s] [--colos FRA,SIN]
 *        [--max-error-rate 0.01] [--max-latency-ratio 1.5] [--min-requests 50]
 *   staged status [--json]          the change in flight (or the newest that ended), each interval's verdict
 *   staged promote|abort
 *
 * The worker checks the values (a bad one is a 400 naming the field, printed as is); the
 * CLI only turns its flags into the query of PUT /_edgeway/config?staged=true.
 */
import { z } from "zod";
import type { AdminClient } from "../admin-client.ts";
import { paint } from "../table.ts";
import type { Paint } from "../table.ts";
import { UsageError, adminClient } from "./common.ts";
import type { Command, Flag, Values } from "./common.ts";
import { parseDuration } from "./rollout.ts";

/** A staged change as the API answers (the fields printed; the rest kept for --json). */
export const StagedAnswer = z.looseObject({
  version: z.number(),
  from: z.number(),
  state: z.string(),
  stage: z.number(),
  stages: z.array(z.number()),
  colos: z.array(z.string()),
  share: z.number(),
  reason: z.string().nullable(),
  nextVerdictAt: z.number().nullable(),
  history: z.array(
    z.looseObject({
      at: z.number(),
      stage: z.number(),
      verdict: z.string(),
      decision: z.string(),
      colo: z.string().optional(),
      figures: z
        .looseObject({
          targetRequests: z.number(),
          stableRequests: z.number(),
          targetErrorRate: z.number(),
          stableErrorRate: z.number(),
          failed: z.string().nullable(),
        })
        .nullable(),
    }),
  ),
});
export type StagedAnswer = z.infer<typeof StagedAnswer>;

/** The flags `push --staged` takes. */
export const STAGED_PUSH_FLAGS: readonly Flag[] = [
  {
    name: "staged",
    type: "boolean",
    help: "with --url: a staged change: one colo, then a share of colos, then all, judged on live traffic",
  },
  {
    name: "stages",
    type: "string",
    arg: "1,10,100",
    help: "with --staged: a number of colos first, then percents of colos, ending at 100",
  },
  { name: "interval", type: "string", arg: "60s", help: "with --staged: how long each stage is held and judged (at least 5s)" },
  { name: "colos", type: "string", arg: "FRA,SIN", help: "with --staged: the first stage's colos (default: the busiest lately)" },
  { name: "max-error-rate", type: "string", arg: "0.01", help: "with --staged: the share of failed requests the candidate may have" },
  { name: "max-latency-ratio", type: "string", arg: "1.5", help: "with --staged: its latency at most this times the old version's" },
  { name: "min-requests", type: "string", arg: "50", help: "with --staged: requests a colo needs in an interval to be judged" },
];

const str = (values: Values, name: string): string | undefined => (typeof values[name] === "string" ? values[name] : undefined);

/** The query string of a staged push, from the flags given (the worker fills in its defaults). */
export function stagedQuery(values: Values): string {
  const query = new URLSearchParams({ staged: "true" });
  const stages = str(values, "stages");
  if (stages !== undefined) query.set("stages", stages.replaceAll(" ", ""));
  const interval = str(values, "interval");
  if (interval !== undefined) query.set("intervalSeconds", String(parseDuration(interval, "--interval")));
  for (const [flag, field] of [
    ["colos", "colos"],
    ["max-error-rate", "maxErrorRate"],
    ["max-latency-ratio", "maxLatencyRatio"],
    ["min-requests", "minRequests"],
  ] as const) {
    const v = str(values, flag);
    if (v !== undefined) query.set(field, v);
  }
  return query.toString();
}

/** Whether a staged flag was given without --staged (a usage error). */
export function strayStagedFlag(values: Values): string | undefined {
  if (values["staged"] === true) return undefined;
  return STAGED_PUSH_FLAGS.map((f) => f.name).find((name) => values[name] !== undefined);
}

const pct = (x: number): string => `${(x * 100).toFixed(2)} %`;

/** Stages with the current one in brackets: `[1 colo] → 10% → 100%`. */
function stagesLine(s: StagedAnswer): string {
  return s.stages
    .map((v, i) => (i === 0 ? `${v} colo${v === 1 ? "" : "s"}` : `${v}%`))
    .map((t, i) => (i === s.stage ? `[${t}]` : t))
    .join(" → ");
}

/** A staged change for a person: what, where, and each interval's verdict, newest first. */
export function formatStaged(s: StagedAnswer, p: Paint, now: number): string {
  const lines = [
    `staged change: version ${s.version} (from ${s.from}) ${s.state}${s.reason === null ? "" : ` — ${s.reason}`}`,
    `stages: ${stagesLine(s)}`,
    `in force in: ${s.colos.length === 0 ? "no colo" : s.colos.join(", ")}${s.share > 0 && s.share < 100 ? ` and ${s.share} % of colos by hash` : s.share >= 100 ? " (every colo)" : ""}`,
  ];
  if (s.nextVerdictAt !== null) lines.push(`next verdict in ${Math.max(0, Math.round((s.nextVerdictAt - now) / 1000))} s`);
  for (const h of [...s.history].reverse()) {
    const f = h.figures;
    const figures =
      f === null
        ? ""
        : ` new ${f.targetRequests} req ${pct(f.targetErrorRate)} err, old ${f.stableRequests} req ${pct(f.stableErrorRate)} err`;
    const failed = f?.failed == null ? "" : p.red(` — ${h.colo === undefined ? "" : `${h.colo}: `}${f.failed}`);
    lines.push(`  ${new Date(h.at).toISOString()} stage ${h.stage} ${h.verdict} → ${h.decision}${figures}${failed}`);
  }
  return lines.join("\n");
}

/** `push FILE --url URL --staged …`: the change as the worker started it. */
export async function pushStaged(client: AdminClient, values: Values, text: string, headers: Record<string, string>): Promise<number> {
  const { body } = await client.send({ method: "PUT", path: `/config?${stagedQuery(values)}`, text, headers }, StagedAnswer);
  console.log(values["json"] === true ? JSON.stringify(body, null, 2) : formatStaged(body, paint(), Date.now()));
  return 0;
}

const ACTIONS = ["status", "promote", "abort"] as const;

async function run(positionals: readonly string[], values: Values): Promise<number> {
  const [action, ...extra] = positionals;
  if (!(ACTIONS as readonly string[]).includes(action ?? ""))
    throw new UsageError(`staged ACTION must be one of ${ACTIONS.join(", ")} (got "${action ?? ""}")`);
  if (extra.length > 0) throw new UsageError(`staged ${action} takes no argument`);
  const client = adminClient(`staged ${action}`, values);
  const { body } =
    action === "status"
      ? await client.send({ method: "GET", path: "/config/staged" }, StagedAnswer)
      : await client.send({ method: "POST", path: `/config/staged/${action}` }, StagedAnswer);
  console.log(values["json"] === true ? JSON.stringify(body, null, 2) : formatStaged(body, paint(), Date.now()));
  return 0;
}

/** The `staged` entry of the command table. */
export const STAGED_COMMANDS: Record<string, Command> = {
  staged: {
    args: ["status|promote|abort"],
    api: true,
    summary:
      "Staged config changes (push FILE --url URL --staged): `staged status` shows the change in flight\n" +
      "(or the newest that ended) with each interval's verdict (--json for the API's answer);\n" +
      "`staged promote` puts it in force everywhere now, `staged abort` takes it back everywhere.",
    flags: [{ name: "json", type: "boolean", help: "print the API's JSON instead of text" }],
    run,
  },
};
