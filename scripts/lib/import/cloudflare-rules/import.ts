/**
 * A Cloudflare load balancer's `rules` as Edgeway routes (part of `import --from
 * cloudflare`). Each enabled rule becomes a route on the load balancer's host: its
 * condition as the route's matches (translate.ts), the load balancer's steering fields
 * with the rule's `overrides` on top as the route's pools and steering, a `fixed_response`
 * as a FixedResponse filter with no pools. Routes follow the rules' `priority`, so of two
 * matches Edgeway ranks alike the higher-priority rule's wins.
 *
 * Left out and reported: disabled rules, conditions outside the subset Edgeway reads (with
 * the part that could not be read), conditions that never hold, rules that can never
 * apply. Where Edgeway's precedence and Cloudflare's order would treat a request
 * differently, precedence.ts reports it.
 */
import type { RouteMatch } from "../../../../src/config/match-schema.ts";
import type { ConfigInput } from "../../../../src/config/schema.ts";
import { matchKey } from "../../../../src/config/validate-rules.ts";
import type { IdAllocator } from "../ids.ts";
import { dropUnhandled, ImportError, num, record, text } from "../model.ts";
import type { DropLog } from "../model.ts";
import { present } from "../cloudflare-fields.ts";
import { LOCATION_STRATEGY_LOSS, STEERING_FIELDS } from "../cloudflare-lb.ts";
import { reportPrecedence } from "./precedence.ts";
import type { RuleEntry } from "./precedence.ts";
import { translateCondition } from "./translate.ts";

type RouteIn = ConfigInput["routes"][number];

/** What the rules of one load balancer need from its import. */
export interface RulesContext {
  readonly source: string;
  /** The load balancer's path in its document, e.g. `result[1]`. */
  readonly path: string;
  readonly host: string;
  readonly lb: Record<string, unknown>;
  /** The load balancer's own route id, for rules without a name. */
  readonly routeId: string;
  readonly routeIds: IdAllocator;
  readonly log: DropLog;
  /** The route fields of the load balancer with `overrides` on top; `overridesPath` names where an override sits. */
  readonly settings: (overrides: Record<string, unknown>, overridesPath: string | undefined, log: DropLog) => Record<string, unknown>;
}

/** Fields a rule carries. */
const RULE_FIELDS = ["name", "condition", "disabled", "overrides", "fixed_response", "terminates", "priority"];

/** Override fields with no place in Edgeway, and why. */
const OVERRIDE_LOSSES: Record<string, string> = { location_strategy: LOCATION_STRATEGY_LOSS };

function fixedResponseOf(fixed: Record<string, unknown>, at: string, ctx: RulesContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const status = num(fixed["status_code"]);
  if (status !== undefined && status >= 200 && status <= 599) out["statusCode"] = status;
  else if (status !== undefined && status !== 0)
    ctx.log.drop(ctx.source, `${at}.status_code`, `${status} is not a status Edgeway answers with (200–599): 200`);
  if (text(fixed["content_type"]) !== undefined) out["contentType"] = text(fixed["content_type"]);
  if (text(fixed["message_body"]) !== undefined) out["body"] = text(fixed["message_body"]);
  const location = text(fixed["location"]);
  if (location !== undefined && URL.canParse(location, "https://edge.invalid/") && !/[\u0000-\u001f\u007f]/.test(location))
    out["location"] = location;
  else if (location !== undefined) ctx.log.drop(ctx.source, `${at}.location`, "not a URL or path an Edgeway response can carry: left out");
  dropUnhandled(ctx.log, ctx.source, at, fixed, ["status_code", "content_type", "message_body", "location"]);
  return out;
}

/** The part of a condition a report quotes, with its place (1-based characters). */
function quote(condition: string, span: { start: number; end: number }): string {
  const part = condition.slice(span.start, Math.max(span.end, span.start + 1)) || "(the end)";
  return `characters ${span.start + 1}–${Math.max(span.end, span.start + 1)} ${JSON.stringify(part)}`;
}

/** Reads one rule; undefined (and reported) when it is left out. */
function readRule(value: unknown, index: number, ctx: RulesContext): RuleEntry | undefined {
  const path = `${ctx.path}.rules[${index}]`;
  const rule = record(value);
  if (rule === undefined) throw new ImportError(`${ctx.source}: ${path} is not a JSON object`);
  const name = text(rule["name"]);
  const label = name === undefined || name === "" ? `rules[${index}]` : `rule ${JSON.stringify(name)}`;
  if (rule["disabled"] === true) {
    ctx.log.drop(ctx.source, `${path}.disabled`, `${label} is disabled: not imported`);
    return undefined;
  }
  const condition = text(rule["condition"]) ?? "";
  const translation = translateCondition(condition, ctx.host);
  if (!translation.ok) {
    ctx.log.drop(ctx.source, `${path}.condition`, `${quote(condition, translation.span)}: ${translation.reason}; ${label} was left out`);
    return undefined;
  }
  if (translation.matches.length === 0) {
    ctx.log.drop(
      ctx.source,
      `${path}.condition`,
      `never true on ${ctx.host} (${translation.never ?? "no request meets it"}): ${label} was left out`,
    );
    return undefined;
  }
  for (const note of translation.notes) ctx.log.drop(ctx.source, `${path}.condition`, `${quote(condition, note.span)}: ${note.reason}`);
  const overrides = present(rule["overrides"]);
  const fixedIn = present(rule["fixed_response"]);
  const fixed = Object.keys(fixedIn).length > 0 ? fixedResponseOf(fixedIn, `${path}.fixed_response`, ctx) : undefined;
  const handled: readonly string[] = fixed === undefined ? STEERING_FIELDS : [];
  for (const [field, reason] of Object.entries(OVERRIDE_LOSSES))
    if (field in overrides) ctx.log.drop(ctx.source, `${path}.overrides.${field}`, reason);
  dropUnhandled(
    ctx.log,
    ctx.source,
    `${path}.overrides`,
    overrides,
    [...handled, ...Object.keys(OVERRIDE_LOSSES)],
    fixed === undefined ? "no Edgeway equivalent" : "a rule that answers with fixed_response sends nothing to a pool",
  );
  dropUnhandled(ctx.log, ctx.source, path, present(rule), RULE_FIELDS);
  const steering = fixed === undefined ? Object.fromEntries(Object.entries(overrides).filter(([k]) => handled.includes(k))) : {};
  return {
    index,
    path,
    label,
    name,
    priority: num(rule["priority"]) ?? 0,
    terminates: rule["terminates"] === true || fixed !== undefined,
    matches: translation.matches,
    overrides: steering,
    fields:
      fixed === undefined
        ? ctx.settings(steering, `${path}.overrides`, ctx.log)
        : { pools: [], filters: [{ type: "FixedResponse", fixedResponse: fixed }] },
    fixed: fixed !== undefined,
  };
}

/** The load balancer's rules as routes, in Cloudflare's order, and whether its own catch-all route is still reached. */
export function importRules(ctx: RulesContext): { readonly routes: RouteIn[]; readonly defaultReached: boolean } {
  const rules = Array.isArray(ctx.lb["rules"]) ? ctx.lb["rules"] : [];
  const entries = rules
    .map((rule, i) => readRule(rule, i, ctx))
    .filter((e): e is RuleEntry => e !== undefined)
    .sort((a, b) => a.priority - b.priority || a.index - b.index);
  if (entries.length > 0 && text(ctx.lb["steering_policy"]) === "geo")
    ctx.log.drop(
      ctx.source,
      `${ctx.path}.rules`,
      "Cloudflare does not apply custom rules reliably on a geo-steered load balancer; Edgeway applies them as written",
    );
  const catchAll = matchKey({ host: ctx.host });
  const cutoff = entries.findIndex((e) => e.terminates && e.matches.some((m) => matchKey(m) === catchAll));
  const reached = cutoff < 0 ? entries : entries.slice(0, cutoff + 1);
  for (const dead of entries.slice(reached.length))
    ctx.log.drop(
      ctx.source,
      dead.path,
      `never applied: ${entries[cutoff]?.label} comes first, takes every request and terminates; not imported`,
    );
  reportPrecedence(reached, ctx);

  const seen = new Map<string, RuleEntry>();
  const routes: RouteIn[] = [];
  for (const entry of reached) {
    const own: RouteMatch[] = [];
    for (const match of entry.matches) {
      const key = matchKey(match);
      if (seen.has(key)) continue;
      seen.set(key, entry);
      own.push(match);
    }
    if (own.length === 0) {
      const first = seen.get(matchKey(entry.matches[0] ?? { host: ctx.host }));
      ctx.log.drop(
        ctx.source,
        entry.path,
        `never applies on its own: ${first?.label ?? "an earlier rule"} has the same condition and comes first; not imported`,
      );
      continue;
    }
    const id = ctx.routeIds.take(entry.name === undefined || entry.name === "" ? `${ctx.routeId}-rule-${entry.index + 1}` : entry.name);
    routes.push({ id, match: own.length === 1 ? own[0] : own, ...entry.fields } as RouteIn);
  }
  return { routes, defaultReached: !seen.has(catchAll) };
}
