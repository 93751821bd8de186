/**
 * Header edits of a RequestHeaderModifier or ResponseHeaderModifier filter (Gateway API
 * HTTPHeaderFilter), prepared once per route: names lower-cased, the three lists kept
 * apart, so applying them is one Headers call per edit and nothing else. `set` replaces,
 * `add` appends (a list-valued field, RFC 9110 §5.3: the values are joined by ", "),
 * `remove` deletes. The config refuses edits to the fields Edgeway owns
 * (config/filter-schema.ts `protectedHeader`), so applying never touches them.
 */
import type { Filter, HeaderModifier, PoolFilter } from "../config/filter-schema.ts";

/** A header modifier as applied: lower-case names, set, then add, then remove. */
export interface HeaderEdits {
  readonly set: readonly (readonly [string, string])[];
  readonly add: readonly (readonly [string, string])[];
  readonly remove: readonly string[];
}

/** The modifier's edits, names lower-cased. */
export function compileHeaderEdits(modifier: HeaderModifier): HeaderEdits {
  return {
    set: (modifier.set ?? []).map((p) => [p.name.toLowerCase(), p.value] as const),
    add: (modifier.add ?? []).map((p) => [p.name.toLowerCase(), p.value] as const),
    remove: (modifier.remove ?? []).map((n) => n.toLowerCase()),
  };
}

/** Several modifiers as one list of edits, in order (a later edit of a name comes after an earlier one). */
export function mergeHeaderEdits(all: readonly HeaderEdits[]): HeaderEdits | undefined {
  if (all.length === 0) return undefined;
  if (all.length === 1) return all[0];
  return { set: all.flatMap((e) => e.set), add: all.flatMap((e) => e.add), remove: all.flatMap((e) => e.remove) };
}

/** The edits of every header modifier for `direction` among `filters`, in order; undefined when there is none. */
export function filterEdits(
  filters: readonly (Filter | PoolFilter)[] | undefined,
  direction: "request" | "response",
): HeaderEdits | undefined {
  const all: HeaderEdits[] = [];
  for (const filter of filters ?? []) {
    if (direction === "request" && filter.type === "RequestHeaderModifier") all.push(compileHeaderEdits(filter.requestHeaderModifier));
    if (direction === "response" && filter.type === "ResponseHeaderModifier") all.push(compileHeaderEdits(filter.responseHeaderModifier));
  }
  return mergeHeaderEdits(all);
}

/** Pool id → the edits for `direction` a route's `poolFilters` give that pool (pools without any left out). */
export function poolFilterEdits(
  poolFilters: Readonly<Record<string, readonly PoolFilter[]>> | undefined,
  direction: "request" | "response",
): ReadonlyMap<string, HeaderEdits> {
  const byPool = new Map<string, HeaderEdits>();
  for (const [pool, filters] of Object.entries(poolFilters ?? {})) {
    const edits = filterEdits(filters, direction);
    if (edits !== undefined) byPool.set(pool, edits);
  }
  return byPool;
}

/** Applies the edits to `headers` in place. */
export function applyHeaderEdits(headers: Headers, edits: HeaderEdits): void {
  const { set, add, remove } = edits;
  for (let i = 0; i < set.length; i++) {
    const [name, value] = set[i] as readonly [string, string];
    headers.set(name, value);
  }
  for (let i = 0; i < add.length; i++) {
    const [name, value] = add[i] as readonly [string, string];
    headers.append(name, value);
  }
  for (let i = 0; i < remove.length; i++) headers.delete(remove[i] as string);
}

/**
 * Applies the edits to the shared request `headers` of one try, recording in `saved` each
 * edited field's earlier value (null: absent) so the try can put them back (try-dress.ts).
 */
export function applyHeaderEditsUndoably(headers: Headers, edits: HeaderEdits, saved: [string, string | null][]): void {
  for (const [name, value] of edits.set) {
    saved.push([name, headers.get(name)]);
    headers.set(name, value);
  }
  for (const [name, value] of edits.add) {
    saved.push([name, headers.get(name)]);
    headers.append(name, value);
  }
  for (const name of edits.remove) {
    saved.push([name, headers.get(name)]);
    headers.delete(name);
  }
}
