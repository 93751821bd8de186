/**
 * Route matching: which route serves a request. The most specific host first: an exact
 * host, then "*.suffix" (a longer suffix before a shorter), then "*"; within the routes of
 * one host, the first whose match holds in Gateway API HTTPRoute precedence
 * (routing/route-match.ts: Exact path, RegularExpression, longest PathPrefix, method, most
 * headers, most query parameters, document order). A route whose `match` is a list has one
 * entry per match, each ranked on its own. Compiled once per config version, so matching
 * is a map look-up and a walk down a sorted list that reads a header only for an entry
 * that tests it.
 */
import type { PathMatch, RouteMatch } from "../config/match-schema.ts";
import { matchList } from "../config/match-schema.ts";
import { hostList, INDEX_AT } from "./host-list.ts";
import type { HostList } from "./host-list.ts";
import { CompiledMatch, comparePrecedence, precedenceReasonAndSign } from "./route-match.ts";
import type { FieldVerdict, PrecedenceReason, QuerySource, RequestFacts } from "./route-match.ts";

export { normalisePrefix, pathMatches } from "./route-match.ts";
export type { QuerySource, RequestFacts } from "./route-match.ts";

/** What matching needs of a route. */
export interface MatchableRoute {
  readonly id: string;
  readonly match: RouteMatch | readonly RouteMatch[];
}

/** The route that serves a request and the match of it that held. */
export interface RouteHit<R> {
  readonly route: R;
  /** The path match that held (ReplacePrefixMatch rewrites replace its prefix). */
  readonly path: PathMatch;
  /** The match's index in the route's list of matches. */
  readonly index: number;
}

/** A candidate for /_edgeway/explain: one match whose host covers the request's, in the order matching tries them. */
export interface MatchCandidate<R> {
  readonly route: R;
  readonly index: number;
  readonly host: string;
  readonly held: boolean;
  readonly fields: readonly FieldVerdict[];
}

export interface MatchExplanation<R> {
  readonly candidates: readonly MatchCandidate<R>[];
  readonly winner: MatchCandidate<R> | undefined;
  /** Why the winner beat the next candidate that also held: a host tier, or a rule of precedence. */
  readonly why: string;
}

/** A compiled route table. */
export interface RouteTable<R extends MatchableRoute> {
  /** The route for a request; `request` and `query` are read only for matches on the method, headers or query. */
  match(host: string, path: string, request?: RequestFacts, query?: QuerySource): RouteHit<R> | undefined;
  /** Every candidate with its field verdicts, the winner and why (what /_edgeway/explain shows). */
  explain(host: string, path: string, request?: RequestFacts, query?: QuerySource): MatchExplanation<R>;
}

/** Strips the port and a trailing dot, lower-cases. */
export function normaliseHost(host: string): string {
  let h = host.toLowerCase();
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    return end > 0 ? h.slice(0, end + 1) : h;
  }
  const colon = h.lastIndexOf(":");
  if (colon >= 0) h = h.slice(0, colon);
  return h.endsWith(".") ? h.slice(0, -1) : h;
}

/** Whether a host pattern ("*", "*.example.com" or a name) covers a normalised host. */
export function hostCovers(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  if (p === "*") return true;
  if (p.startsWith("*.")) return host.endsWith(p.slice(1));
  return host === p;
}

interface Entry<R> {
  readonly compiled: CompiledMatch<R>;
  readonly hit: RouteHit<R>;
}

/**
 * Builds the table: one entry per (route, match), grouped by host kind and sorted by
 * precedence once; a host with `indexAt` entries or more is indexed by path (host-list.ts).
 */
export function compileRouteTable<R extends MatchableRoute>(routes: readonly R[], indexAt = INDEX_AT): RouteTable<R> {
  const exactEntries = new Map<string, Entry<R>[]>();
  const wildcardEntries = new Map<string, Entry<R>[]>(); // key: ".example.com"
  const anyEntries: Entry<R>[] = [];
  let order = 0;
  for (const route of routes) {
    matchList(route.match).forEach((spec, index) => {
      const compiled = new CompiledMatch(route, spec, index, order++);
      const entry: Entry<R> = { compiled, hit: { route, path: compiled.path, index } };
      const host = compiled.host;
      if (host === "*") anyEntries.push(entry);
      else if (host.startsWith("*.")) pushTo(wildcardEntries, host.slice(1), entry);
      else pushTo(exactEntries, host, entry);
    });
  }
  const list = (entries: Entry<R>[]): HostList<Entry<R>> =>
    hostList(
      entries.sort((a, b) => comparePrecedence(a.compiled, b.compiled)),
      indexAt,
    );
  const exact = new Map([...exactEntries].map(([host, entries]) => [host, list(entries)] as const));
  const wildcard = new Map([...wildcardEntries].map(([suffix, entries]) => [suffix, list(entries)] as const));
  const catchAll = anyEntries.length === 0 ? undefined : list(anyEntries);
  const hasWildcards = wildcard.size > 0;

  /** The host tiers a host reads, most specific first. */
  function tiers(host: string): { readonly label: string; readonly entries: readonly Entry<R>[] }[] {
    const out: { label: string; entries: readonly Entry<R>[] }[] = [];
    const own = exact.get(host);
    if (own !== undefined) out.push({ label: `host ${host}`, entries: own.entries });
    for (let dot = host.indexOf("."); dot >= 0; dot = host.indexOf(".", dot + 1)) {
      const found = wildcard.get(host.slice(dot));
      if (found !== undefined) out.push({ label: `host *${host.slice(dot)}`, entries: found.entries });
    }
    if (catchAll !== undefined) out.push({ label: "host *", entries: catchAll.entries });
    return out;
  }

  return {
    match(rawHost, path, request, query) {
      const host = normaliseHost(rawHost);
      const hit = exact.get(host)?.first(path, request, query);
      if (hit !== undefined) return hit;
      if (hasWildcards) {
        // Longest suffix first: "a.b.example.com" tries ".b.example.com", ".example.com", ".com".
        for (let dot = host.indexOf("."); dot >= 0; dot = host.indexOf(".", dot + 1)) {
          const found = wildcard.get(host.slice(dot))?.first(path, request, query);
          if (found !== undefined) return found;
        }
      }
      return catchAll?.first(path, request, query);
    },

    explain(rawHost, path, request, query) {
      const host = normaliseHost(rawHost);
      const candidates: (MatchCandidate<R> & { readonly tier: string; readonly compiled: CompiledMatch<R> })[] = [];
      for (const tier of tiers(host))
        for (const { compiled } of tier.entries) {
          const fields = compiled.verdicts(path, request, query);
          candidates.push({
            route: compiled.route,
            index: compiled.index,
            host: compiled.spec.host,
            held: fields.every((f) => f.held),
            fields,
            tier: tier.label,
            compiled,
          });
        }
      const holding = candidates.filter((c) => c.held);
      const [winner, runnerUp] = holding;
      let why = "no match held: Edgeway answers 404";
      if (winner !== undefined && runnerUp === undefined) why = "the only match that held";
      else if (winner !== undefined && runnerUp !== undefined) {
        const against = `route "${idOf(runnerUp.route)}"`;
        if (winner.tier !== runnerUp.tier) why = `more specific host (${winner.tier} before ${runnerUp.tier}) than ${against}`;
        else {
          const reason: PrecedenceReason = precedenceReasonAndSign(winner.compiled, runnerUp.compiled).reason;
          why = `${reason} than ${against}`;
        }
      }
      const plain = candidates.map(({ route, index, host: h, held, fields }) => ({ route, index, host: h, held, fields }));
      return { candidates: plain, winner: winner === undefined ? undefined : plain[candidates.indexOf(winner)], why };
    },
  };
}

function idOf(route: unknown): string {
  return (route as MatchableRoute).id;
}

function pushTo<R>(map: Map<string, R[]>, key: string, value: R): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
