/**
 * First match wins, written in Edgeway's precedence. Istio tries a VirtualService's http
 * entries in order and takes the first that holds; Edgeway ranks every match that holds
 * (Gateway API precedence: exact path, regular expression, longest prefix, method, most
 * headers, most query parameters, then document order). The two agree except where a
 * later entry's match outranks an earlier one's and both hold for a request: Istio sends
 * it to the earlier entry, Edgeway to the later.
 *
 * So for each such pair the earlier entry also gets the intersection of the two matches
 * (the later match's path with both entries' headers and query tests), which ranks at
 * least as high as the later match and comes before it in the document, until no pair is
 * left (a fixpoint: intersections can outrank still earlier entries). A match that an
 * earlier one covers entirely is never reached and is left out. An overlap that cannot be
 * written as one match (two different regular expressions) is returned for the report.
 */
import type { RouteMatch } from "../../../../src/config/match-schema.ts";
import { CompiledMatch, precedenceReasonAndSign } from "../../../../src/routing/route-match.ts";
import { condKey, intersect } from "./conditions.ts";
import type { Cond } from "./conditions.ts";

/** One match an entry ends up with; `origin` is the index of the entry's own match it narrows. */
export interface Placed {
  readonly cond: Cond;
  readonly origin: number;
  /** True for an intersection added here, false for the entry's own match. */
  readonly derived: boolean;
}

/** A match of `rule` (index `match`) and an earlier entry's match it conflicts with. */
export interface Conflict {
  readonly rule: number;
  readonly match: number;
  readonly earlier: number;
  readonly earlierMatch: number;
}

export interface FirstMatchResult {
  /** Each entry's matches: its own, less the ones never reached, then the intersections it takes. */
  readonly placed: readonly (readonly Placed[])[];
  /** Own matches left out because an earlier entry takes every request they hold for. */
  readonly shadowed: readonly Conflict[];
  /** Overlaps Edgeway sends to the later entry because they cannot be written as one match. */
  readonly unresolved: readonly Conflict[];
  /** Entries that would need more than `limit` matches: some overlaps stay with the later entry. */
  readonly overflow: readonly number[];
}

function compiled(cond: Cond, order: number): CompiledMatch {
  const spec: RouteMatch = {
    host: "*",
    path: cond.path,
    method: cond.method,
    headers: [...cond.headers],
    queryParams: [...cond.queryParams],
  };
  return new CompiledMatch(undefined, spec, 0, order);
}

/** Whether `later` takes precedence over `earlier` by rank alone (not by document order). */
export function outranks(later: Cond, earlier: Cond): boolean {
  const { sign, reason } = precedenceReasonAndSign(compiled(later, 1), compiled(earlier, 0));
  return sign < 0 && reason !== "earlier in the document";
}

/** Places the entries' matches so that Edgeway's precedence sends every request where first-match-wins would. */
export function firstMatchWins(rules: readonly (readonly Cond[])[], limit = 64): FirstMatchResult {
  const placed: Placed[][] = rules.map((r) => r.map((cond, origin) => ({ cond, origin, derived: false })));
  const keys = placed.map((list) => new Set(list.map((p) => condKey(p.cond))));
  const removed = placed.map(() => new Set<string>());
  const shadowed: Conflict[] = [];
  const unresolved = new Map<string, Conflict>();
  const overflow = new Set<number>();

  /** Handles `b` of entry j against the earlier entries; false when b was removed. */
  function settle(j: number, b: Placed): boolean {
    for (let i = 0; i < j; i++) {
      for (const c of [...(placed[i] ?? [])]) {
        const x = intersect(c.cond, b.cond);
        if (x === "disjoint") continue;
        if (x === "unknown") {
          if (outranks(b.cond, c.cond)) {
            const conflict = { rule: j, match: b.origin, earlier: i, earlierMatch: c.origin };
            unresolved.set(JSON.stringify(conflict), conflict);
          }
          continue;
        }
        const key = condKey(x);
        if (key === condKey(b.cond)) {
          const list = placed[j] ?? [];
          list.splice(list.indexOf(b), 1);
          keys[j]?.delete(key);
          removed[j]?.add(key);
          if (!b.derived) shadowed.push({ rule: j, match: b.origin, earlier: i, earlierMatch: c.origin });
          return false;
        }
        if (!outranks(b.cond, c.cond) || keys[i]?.has(key) === true || removed[i]?.has(key) === true) continue;
        const target = placed[i] ?? [];
        if (target.length >= limit) {
          overflow.add(i);
          continue;
        }
        target.push({ cond: x, origin: c.origin, derived: true });
        keys[i]?.add(key);
        changed = true;
      }
    }
    return true;
  }

  // An entry's own duplicate matches say nothing more.
  placed.forEach((list, j) => {
    const seen = new Set<string>();
    placed[j] = list.filter((p) => {
      const key = condKey(p.cond);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  });
  let changed = true;
  while (changed) {
    changed = false;
    for (let j = 1; j < placed.length; j++) {
      for (const b of [...(placed[j] ?? [])]) if (!settle(j, b)) changed = true;
    }
  }
  return { placed, shadowed, unresolved: [...unresolved.values()], overflow: [...overflow] };
}
