/**
 * Where Edgeway's choice of route and Cloudflare's rule order part ways, reported rule by
 * rule. Cloudflare runs a load balancer's rules in `priority` order: each rule whose
 * condition holds applies its overrides on top of the earlier ones', until one that
 * `terminates` (a fixed response always does). Edgeway picks the one route whose match
 * ranks first (Gateway API precedence: exact path, pattern, longest prefix, method, most
 * headers, most query parameters, then document order, which is the rules' order).
 *
 * For every two rules whose matches can hold for one request (overlap.ts), the outcome
 * Cloudflare reaches (the first rule's, or both combined when the first does not
 * terminate) is compared with the route Edgeway picks, field by field as imported; a
 * difference is reported with both conditions and which rule of precedence decided.
 * Two rules at a time: a request meeting three rules is reported through its pairs.
 */
import type { RouteMatch } from "../../../../src/config/match-schema.ts";
import { CompiledMatch, precedenceReasonAndSign } from "../../../../src/routing/route-match.ts";
import { DropLog } from "../model.ts";
import { mayOverlap } from "./overlap.ts";
import { describeMatch } from "./print.ts";

/** One enabled rule as imported. */
export interface RuleEntry {
  /** Its index in the load balancer's `rules`. */
  readonly index: number;
  readonly path: string;
  /** `rule "name"`, for messages. */
  readonly label: string;
  readonly name: string | undefined;
  readonly priority: number;
  readonly terminates: boolean;
  readonly matches: readonly RouteMatch[];
  /** The steering fields it overrides (none for a fixed response). */
  readonly overrides: Record<string, unknown>;
  /** The route fields it imports as: the load balancer's with its overrides on top, or a fixed response. */
  readonly fields: Record<string, unknown>;
  readonly fixed: boolean;
}

/** What precedence.ts needs of the import. */
export interface PrecedenceContext {
  readonly source: string;
  readonly log: DropLog;
  readonly settings: (overrides: Record<string, unknown>, overridesPath: string | undefined, log: DropLog) => Record<string, unknown>;
}

/** JSON with keys sorted, so two field sets compare by content. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object" && value !== null)
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}

/** What Cloudflare does for a request both rules take, `first` before `second`. */
function cloudflareOutcome(first: RuleEntry, second: RuleEntry, ctx: PrecedenceContext): string {
  if (first.terminates) return canonical(first.fields);
  if (second.fixed) return canonical(second.fields);
  return canonical(ctx.settings({ ...first.overrides, ...second.overrides }, undefined, new DropLog()));
}

/** Reports every pair of rules (in Cloudflare's order) that Edgeway would treat differently. */
export function reportPrecedence(entries: readonly RuleEntry[], ctx: PrecedenceContext): void {
  let order = 0;
  const compiled = entries.map((entry) => entry.matches.map((m, k) => new CompiledMatch(entry, m, k, order++)));
  for (let i = 0; i < entries.length; i++) {
    for (let j = i + 1; j < entries.length; j++) {
      const a = entries[i];
      const b = entries[j];
      if (a === undefined || b === undefined) continue;
      const expected = cloudflareOutcome(a, b, ctx);
      search: for (const ma of compiled[i] ?? []) {
        for (const mb of compiled[j] ?? []) {
          if (!mayOverlap(ma.spec, mb.spec)) continue;
          const { sign, reason } = precedenceReasonAndSign(ma, mb);
          const picked = sign < 0 ? a : b;
          if (canonical(picked.fields) === expected) continue;
          const both = `a request that meets both ${a.label} (${describeMatch(ma.spec)}) and this rule (${describeMatch(mb.spec)})`;
          const cloudflare = a.terminates
            ? `Cloudflare applies ${a.label}, which comes first and terminates`
            : `Cloudflare applies ${a.label} and then this rule on top of it`;
          const edgeway = `Edgeway applies only ${picked === a ? a.label : "this rule"} (Gateway API precedence: ${reason})`;
          ctx.log.drop(ctx.source, b.path, `${both}: ${cloudflare}; ${edgeway}`);
          break search;
        }
      }
    }
  }
}
