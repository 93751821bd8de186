/**
 * The `rollout` command of the config CLI (docs/rollouts.md, "CLI"), one command with an
 * action, through the admin API:
 *
 *   rollout start ROUTE --to POOL [--steps 5,25,50,100] [--interval 60s] [analysis flags]
 *                 [--ab-header NAME=VALUE | --ab-cookie NAME=VALUE] [--ab-intervals N]
 *                 [--pre-step-webhook URL] [--rollback-webhook URL] [--webhook-timeout 5s]
 *   rollout status [ID] [--json]        a table of every rollout, or one in full
 *   rollout promote|pause|resume|abort ID
 *
 * The body is checked by the worker (a bad value is a 400 naming the field, printed as
 * is); the CLI only turns its flags into that body.
 */
import { UsageError, adminClient, wholeNumber } from "./common.ts";
import type { Command, Flag, Values } from "./common.ts";
import { paint } from "../table.ts";
import { RolloutAnswer, RolloutList, formatRollout, formatRolloutTable } from "./rollout-report.ts";

const ACTIONS = ["start", "status", "promote", "pause", "resume", "abort"] as const;
type Action = (typeof ACTIONS)[number];

const FLAGS: readonly Flag[] = [
  { name: "to", type: "string", arg: "POOL", help: "start: the target pool (required)" },
  { name: "steps", type: "string", arg: "5,25,50,100", help: "start: percent to the target at each step, rising, ending at 100" },
  { name: "interval", type: "string", arg: "60s", help: "start: how long each step is held and judged (s or m; at least 5s)" },
  { name: "max-error-rate", type: "string", arg: "0.01", help: "start: the share of failed requests the target may have" },
  { name: "max-latency-ratio", type: "string", arg: "1.5", help: "start: the target's latency at most this times the stable pools'" },
  { name: "max-latency-ms", type: "string", arg: "MS", help: "start: an absolute bound on the target's latency" },
  { name: "min-requests", type: "string", arg: "50", help: "start: target requests a colo needs in an interval to be judged" },
  { name: "confidence", type: "string", arg: "0.95", help: "start: the confidence of each verdict" },
  {
    name: "ab-header",
    type: "string",
    arg: "NAME=VALUE",
    help: "start: an A/B stage first: only requests with this header go to the target",
  },
  { name: "ab-cookie", type: "string", arg: "NAME=VALUE", help: "start: the A/B stage on a cookie instead" },
  { name: "ab-intervals", type: "string", arg: "N", help: "start: intervals the A/B stage lasts (default 1)" },
  { name: "pre-step-webhook", type: "string", arg: "URL", help: "start: called before each step; a non-2xx holds the step" },
  { name: "rollback-webhook", type: "string", arg: "URL", help: "start: called when the rollout rolls back" },
  { name: "webhook-timeout", type: "string", arg: "5s", help: "start: how long a webhook may take" },
  { name: "json", type: "boolean", help: "status: print the API's JSON instead of a table" },
];

/** Seconds from "60", "60s", "2m" or "1m30s". */
export function parseDuration(text: string, what: string): number {
  const m = /^(?:(\d+)m)?(?:(\d+)s?)?$/.exec(text.trim());
  if (text.trim() === "" || m === null || (m[1] === undefined && m[2] === undefined))
    throw new UsageError(`${what} must be a duration like 60s, 2m or 1m30s (got "${text}")`);
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}

/** A number from the command line (the worker checks its range and names the field). */
function numberOf(text: string, what: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n)) throw new UsageError(`${what} must be a number (got "${text}")`);
  return n;
}

/** NAME=VALUE of an A/B flag. */
function pairOf(text: string, what: string): { name: string; value: string } {
  const at = text.indexOf("=");
  if (at <= 0 || at === text.length - 1) throw new UsageError(`${what} must be NAME=VALUE (got "${text}")`);
  return { name: text.slice(0, at), value: text.slice(at + 1) };
}

const str = (values: Values, name: string): string | undefined => (typeof values[name] === "string" ? values[name] : undefined);

/** The POST /_edgeway/rollouts body the flags describe (only what was given: the worker fills in its defaults). */
export function startBody(route: string, values: Values): Record<string, unknown> {
  const to = str(values, "to");
  if (to === undefined) throw new UsageError("rollout start needs --to POOL");
  const body: Record<string, unknown> = { route, to };
  const steps = str(values, "steps");
  if (steps !== undefined) body["steps"] = steps.split(",").map((s) => wholeNumber(s.trim(), "--steps", 1, 100));
  const interval = str(values, "interval");
  if (interval !== undefined) body["intervalSeconds"] = parseDuration(interval, "--interval");
  const analysis: Record<string, number> = {};
  for (const [flag, field] of [
    ["max-error-rate", "maxErrorRate"],
    ["max-latency-ratio", "maxLatencyRatio"],
    ["max-latency-ms", "maxLatencyMs"],
    ["min-requests", "minRequests"],
    ["confidence", "confidence"],
  ] as const) {
    const v = str(values, flag);
    if (v !== undefined) analysis[field] = numberOf(v, `--${flag}`);
  }
  if (Object.keys(analysis).length > 0) body["analysis"] = analysis;
  const header = str(values, "ab-header");
  const cookie = str(values, "ab-cookie");
  if (header !== undefined && cookie !== undefined) throw new UsageError("rollout start: choose --ab-header or --ab-cookie, not both");
  const intervals = str(values, "ab-intervals");
  if (header !== undefined || cookie !== undefined)
    body["abTest"] = {
      ...(header === undefined ? {} : { header: pairOf(header, "--ab-header") }),
      ...(cookie === undefined ? {} : { cookie: pairOf(cookie, "--ab-cookie") }),
      ...(intervals === undefined ? {} : { intervals: wholeNumber(intervals, "--ab-intervals", 1) }),
    };
  else if (intervals !== undefined) throw new UsageError("--ab-intervals goes with --ab-header or --ab-cookie");
  const preStep = str(values, "pre-step-webhook");
  const rollback = str(values, "rollback-webhook");
  const timeout = str(values, "webhook-timeout");
  if (preStep !== undefined || rollback !== undefined)
    body["webhooks"] = {
      ...(preStep === undefined ? {} : { preStep }),
      ...(rollback === undefined ? {} : { rollback }),
      ...(timeout === undefined ? {} : { timeoutMs: parseDuration(timeout, "--webhook-timeout") * 1000 }),
    };
  return body;
}

async function run(positionals: readonly string[], values: Values): Promise<number> {
  const [action, target, ...extra] = positionals;
  if (!(ACTIONS as readonly string[]).includes(action ?? ""))
    throw new UsageError(`rollout ACTION must be one of ${ACTIONS.join(", ")} (got "${action ?? ""}")`);
  const act = action as Action;
  if (extra.length > 0) throw new UsageError(`rollout ${act} takes one argument (got ${positionals.length - 1})`);
  const client = adminClient(`rollout ${act}`, values);
  const p = paint();
  if (act === "status") {
    if (target === undefined) {
      const { body } = await client.send({ method: "GET", path: "/rollouts" }, RolloutList);
      console.log(values["json"] === true ? JSON.stringify(body, null, 2) : formatRolloutTable(body.rollouts, p, Date.now()));
    } else {
      const { body } = await client.send({ method: "GET", path: `/rollouts/${encodeURIComponent(target)}` }, RolloutAnswer);
      console.log(values["json"] === true ? JSON.stringify(body, null, 2) : formatRollout(body, p, Date.now()));
    }
    return 0;
  }
  if (target === undefined) throw new UsageError(`rollout ${act} needs ${act === "start" ? "ROUTE" : "ID"}`);
  const { body } =
    act === "start"
      ? await client.send({ method: "POST", path: "/rollouts", json: startBody(target, values) }, RolloutAnswer)
      : await client.send({ method: "POST", path: `/rollouts/${encodeURIComponent(target)}/${act}` }, RolloutAnswer);
  console.log(values["json"] === true ? JSON.stringify(body, null, 2) : formatRollout(body, p, Date.now()));
  return 0;
}

/** The rollout entry of the command table. */
export const ROLLOUT_COMMANDS: Record<string, Command> = {
  rollout: {
    args: ["start|status|promote|pause|resume|abort [ROUTE|ID]..."],
    api: true,
    summary:
      "Progressive delivery: `rollout start ROUTE --to POOL` moves the route's traffic to POOL in steps,\n" +
      "each interval judged on live traffic per colo (rolled back by itself when the target is worse,\n" +
      "promoted as a new config version after the last step); `rollout status [ID]` shows every rollout\n" +
      "or one with each interval's verdict (--json for the API's answer); `rollout promote|pause|resume|abort ID`.",
    flags: FLAGS,
    run,
  },
};
