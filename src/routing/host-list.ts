/**
 * The matches of one host tier (an exact host, one `*.suffix`, or `*`), in precedence
 * order, and the first that holds for a request. A short list is walked; a long one (a
 * host with hundreds of routes) is indexed by path, which precedence allows because the
 * path decides first: any Exact match beats any pattern, which beats any prefix, and a
 * longer prefix beats a shorter. So a request looks up its own path among the Exact
 * matches, walks the patterns, then looks up each of its path's segment prefixes, longest
 * first: a few map look-ups instead of a walk over every route of the host.
 */
import type { CompiledMatch, QuerySource, RequestFacts } from "./route-match.ts";

/** Lists longer than this are indexed (a walk is cheaper for a few entries: no look-ups, no slices). */
export const INDEX_AT = 32;

/** One match of the tier and what matching it yields. */
export interface HostEntry {
  readonly compiled: CompiledMatch<unknown>;
  readonly hit: unknown;
}

export interface HostList<E extends HostEntry> {
  /** Every entry, in precedence order (what explain shows). */
  readonly entries: readonly E[];
  /** The hit of the first entry that holds. */
  first(path: string, request: RequestFacts | undefined, query: QuerySource | undefined): E["hit"] | undefined;
}

function walk<E extends HostEntry>(
  entries: readonly E[] | undefined,
  path: string,
  request: RequestFacts | undefined,
  query: QuerySource | undefined,
): E["hit"] | undefined {
  if (entries === undefined) return undefined;
  for (const entry of entries) if (entry.compiled.holds(path, request, query)) return entry.hit;
  return undefined;
}

function pushTo<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** A host tier's list from entries already sorted in precedence order; indexed from `indexAt` entries. */
export function hostList<E extends HostEntry>(sorted: readonly E[], indexAt = INDEX_AT): HostList<E> {
  if (sorted.length < indexAt) return { entries: sorted, first: (path, request, query) => walk(sorted, path, request, query) };
  const exact = new Map<string, E[]>();
  const patterns: E[] = [];
  const prefixes = new Map<string, E[]>();
  // Inserted in precedence order, so each bucket keeps it.
  for (const entry of sorted) {
    const type = entry.compiled.path.type;
    if (type === "Exact") pushTo(exact, entry.compiled.pathKey, entry);
    else if (type === "RegularExpression") patterns.push(entry);
    else pushTo(prefixes, entry.compiled.pathKey, entry);
  }
  const root = prefixes.get("/");
  return {
    entries: sorted,
    first(path, request, query) {
      const own = walk(exact.get(path), path, request, query) ?? (patterns.length > 0 ? walk(patterns, path, request, query) : undefined);
      if (own !== undefined) return own;
      // The path itself, then each prefix ending before a "/", longest first, then "/".
      const whole = walk(prefixes.get(path), path, request, query);
      if (whole !== undefined) return whole;
      for (let slash = path.lastIndexOf("/"); slash > 0; slash = path.lastIndexOf("/", slash - 1)) {
        const found = walk(prefixes.get(path.slice(0, slash)), path, request, query);
        if (found !== undefined) return found;
      }
      return path === "/" ? undefined : walk(root, path, request, query);
    },
  };
}
