/**
 * A load balancing rule's condition as Edgeway route matches. The condition is parsed
 * (parser.ts), its leaves read as tests (atoms.ts), negations pushed down to the leaves
 * and the whole put in disjunctive normal form: an `or` of `and`s. Each `and` becomes one
 * RouteMatch (a route's matches are ORed, a match's fields ANDed, as in Cloudflare), or
 * several when it tests the method against more than one (`in {"GET" "HEAD"}`).
 *
 * Within one `and`, the tests of one field fold together: an equality fixes the value and
 * the field's other tests are checked against it (a contradiction drops the `and`, as
 * Cloudflare would never see it hold); otherwise the field takes one test. `not` is
 * carried where a pattern can say it (a path or country that is not, or does not start
 * with, a text); a header that is absent also satisfies `not`, which no match can say.
 */
import type { HeaderMatch, PathMatch, QueryParamMatch, RouteMatch } from "../../../../src/config/match-schema.ts";
import { HTTP_METHODS } from "../../../../src/config/match-schema.ts";
import { headerValueProblem } from "../../../../src/config/origin-headers.ts";
import { hostCovers } from "../../../../src/routing/match.ts";
import { compileRegex, regexProblem } from "../../../../src/routing/regex.ts";
import { matchKey } from "../../../../src/config/validate-rules.ts";
import { COUNTRY_HEADER, formulaOf, Unsupported } from "./atoms.ts";
import type { Atom, FieldKey, Formula } from "./atoms.ts";
import { parseCondition, RulesSyntaxError } from "./parser.ts";
import type { Span } from "./parser.ts";
import { complementOf, escapeRegex, partialToWhole } from "./regex-text.ts";

/** An approximation worth reporting: the match is carried, but not exactly. */
export interface Note {
  readonly span: Span;
  readonly reason: string;
}

/** `matches` empty: the condition never holds (`never` says why, when a test is known to fail). */
export type Translation =
  | { readonly ok: true; readonly matches: readonly RouteMatch[]; readonly notes: readonly Note[]; readonly never?: string }
  | { readonly ok: false; readonly span: Span; readonly reason: string };

/** Most alternatives a condition may expand to (a route takes at most 64 matches). */
const MAX_MATCHES = 64;

interface Literal {
  readonly atom: Atom;
  readonly negated: boolean;
}

/** The condition's `and`s, negations at the leaves; [] is false, [[]] is true. */
function normalForm(formula: Formula, negated: boolean, whole: Span, why: string[]): Literal[][] {
  switch (formula.kind) {
    case "const":
      if (formula.value === negated && formula.why !== undefined) why.push(formula.why);
      return formula.value !== negated ? [[]] : [];
    case "atom":
      return [[{ atom: formula.atom, negated }]];
    case "not":
      return normalForm(formula.arg, !negated, whole, why);
    default: {
      const parts = formula.items.map((f) => normalForm(f, negated, whole, why));
      if ((formula.kind === "or") !== negated) return parts.flat();
      let product: Literal[][] = [[]];
      for (const part of parts) {
        product = product.flatMap((left) => part.map((right) => [...left, ...right]));
        if (product.length > MAX_MATCHES * 4)
          throw new Unsupported(
            `the condition expands to more than ${MAX_MATCHES} alternatives (an Edgeway route takes at most ${MAX_MATCHES} matches)`,
            whole,
          );
      }
      return product;
    }
  }
}

/** Whether a literal holds for a known value. */
function holds(literal: Literal, value: string): boolean {
  const { atom } = literal;
  const v = atom.fold ? value.toLowerCase() : value;
  let result: boolean;
  if (atom.test === "eq") result = v === atom.value;
  else if (atom.test === "contains") result = v.includes(atom.value);
  else if (atom.test === "starts") result = v.startsWith(atom.value);
  else if (atom.test === "ends") result = v.endsWith(atom.value);
  else result = compileRegex(checkedPattern(patternOf(atom), atom.span)).test(v);
  return result !== literal.negated;
}

function checkedPattern(pattern: string, span: Span): string {
  const problem = regexProblem(pattern);
  if (problem !== undefined) throw new Unsupported(`the pattern ${JSON.stringify(pattern)} ${problem}`, span);
  return pattern;
}

/** A positive test other than plain equality as a whole-value pattern. */
function patternOf(atom: Atom): string {
  const literal = escapeRegex(atom.value);
  const body =
    atom.test === "eq"
      ? literal
      : atom.test === "contains"
        ? `.*${literal}.*`
        : atom.test === "starts"
          ? `${literal}.*`
          : atom.test === "ends"
            ? `.*${literal}`
            : atom.test === "matches"
              ? partialToWhole(atom.value)
              : atom.value;
  return atom.fold ? `(?i)${body}` : body;
}

function keyOf(field: FieldKey): string {
  return field.kind === "header" || field.kind === "arg" ? `${field.kind}:${field.name}` : field.kind;
}

/** The value a field's equality fixes, after checking its other tests against it; null when they contradict. */
function fixedValue(literals: readonly Literal[]): string | null | undefined {
  const equal = literals.find((l) => l.atom.test === "eq" && !l.negated && !l.atom.fold);
  if (equal === undefined) return undefined;
  return literals.every((l) => holds(l, equal.atom.value)) ? equal.atom.value : null;
}

function one(literals: readonly Literal[], what: string): Literal {
  const [only, second] = literals;
  if (only === undefined) throw new Error("a field group is never empty");
  if (second !== undefined)
    throw new Unsupported(`two tests of ${what} in one "and": an Edgeway match holds one test per field`, second.atom.span);
  return only;
}

/** The pattern for one test; `not` only where the value is always there (`mayNegate`: the path, the country). */
function valuePattern(literal: Literal, mayNegate: boolean, what: string): string {
  const { atom } = literal;
  if (!literal.negated) return checkedPattern(patternOf(atom), atom.span);
  if (!mayNegate)
    throw new Unsupported(`not on ${what}: the test also holds when the header is absent, which no Edgeway match can say`, atom.span);
  if (atom.fold || (atom.test !== "eq" && atom.test !== "starts"))
    throw new Unsupported(`only "is not" and "does not start with" can be said of ${what} as a pattern`, atom.span);
  return checkedPattern(complementOf(atom.value, atom.test === "starts"), atom.span);
}

/** The path test of an `and`; `widened` when starts_with("/x/") became PathPrefix "/x/", which also takes "/x". */
function pathMatch(literals: readonly Literal[]): { readonly path?: PathMatch; readonly widened?: Note } | null {
  const fixed = fixedValue(literals);
  if (fixed === null) return null;
  if (fixed !== undefined) return fixed.startsWith("/") && !/[?#]/.test(fixed) ? { path: { type: "Exact", value: fixed } } : null;
  const literal = one(literals, "the path");
  const { atom } = literal;
  if (!literal.negated && !atom.fold && atom.test === "starts") {
    if (atom.value === "" || atom.value === "/") return {};
    if (atom.value.endsWith("/") && atom.value.startsWith("/") && !/\/\/|\/\.\.?\/|[?#]/.test(atom.value)) {
      const reason = `imported as PathPrefix ${JSON.stringify(atom.value)}, which also matches ${JSON.stringify(atom.value.slice(0, -1))} itself`;
      return { path: { type: "PathPrefix", value: atom.value }, widened: { span: atom.span, reason } };
    }
  }
  return { path: { type: "RegularExpression", value: valuePattern(literal, true, "the path") } };
}

function valueMatch(
  name: string,
  literals: readonly Literal[],
  alwaysPresent: boolean,
): { type: "Exact" | "RegularExpression"; value: string } | null {
  const fixed = fixedValue(literals);
  if (fixed === null) return null;
  const what = name === COUNTRY_HEADER ? "the country" : `"${name}"`;
  if (fixed !== undefined) {
    if (headerValueProblem(fixed) !== undefined)
      throw new Unsupported(`the value of ${what} ${headerValueProblem(fixed)}`, literals[0]?.atom.span ?? { start: 0, end: 0 });
    return { type: "Exact", value: fixed };
  }
  return { type: "RegularExpression", value: valuePattern(one(literals, what), alwaysPresent, what) };
}

/** The methods an `and` allows, of those an Edgeway match can name. */
function methods(literals: readonly Literal[]): readonly string[] {
  for (const l of literals)
    if (
      l.atom.test === "eq" &&
      !l.negated &&
      !(HTTP_METHODS as readonly string[]).includes(l.atom.fold ? l.atom.value.toUpperCase() : l.atom.value)
    )
      throw new Unsupported(
        `${JSON.stringify(l.atom.value)} is not a method an Edgeway match names (${HTTP_METHODS.join(", ")})`,
        l.atom.span,
      );
  return HTTP_METHODS.filter((m) => literals.every((l) => holds(l, m)));
}

function hostOf(literals: readonly Literal[], lbHost: string): string | null {
  if (!lbHost.includes("*")) return literals.every((l) => holds(l, lbHost)) ? lbHost : null;
  const fixed = fixedValue(literals);
  if (fixed === undefined)
    throw new Unsupported(
      `on load balancer ${lbHost}, only http.host eq "name" can be carried (a match's host)`,
      literals[0]?.atom.span ?? { start: 0, end: 0 },
    );
  return fixed !== null && hostCovers(lbHost, fixed.toLowerCase()) ? fixed.toLowerCase() : null;
}

function queryParams(literals: readonly Literal[], notes: Note[]): QueryParamMatch[] | null {
  const fixed = fixedValue(literals);
  const span = literals[0]?.atom.span ?? { start: 0, end: 0 };
  if (fixed === null) return null;
  if (fixed === undefined || fixed === "")
    throw new Unsupported(
      'Edgeway matches query parameters by name and value: compare http.request.uri.args["name"][0], or the whole query with eq',
      span,
    );
  const params = [...new URLSearchParams(fixed)];
  const names = params.map(([n]) => n);
  if (names.some((n, i) => n === "" || names.indexOf(n) !== i))
    throw new Unsupported("a query string with an unnamed or repeated parameter", span);
  notes.push({ span, reason: "Edgeway compares each parameter by name: the query may also hold other parameters, in any order" });
  return params.map(([name, value]) => ({ name, type: "Exact", value }));
}

/**
 * A query parameter's name or value as Edgeway reads it: Cloudflare compares the text as
 * sent ("red+apples"), Edgeway the decoded text ("red apples"), so an exact value is decoded.
 */
function formDecode(text: string): string {
  try {
    return new URLSearchParams(`x=${text.replace(/&/g, "%26").replace(/=/g, "%3D")}`).get("x") ?? text;
  } catch {
    return text;
  }
}

/** One `and` as route matches: none when it can never hold. */
function matchesOf(
  conjunction: readonly Literal[],
  lbHost: string,
  notes: Note[],
): { readonly matches: RouteMatch[]; readonly widened?: Note } {
  const groups = new Map<string, Literal[]>();
  for (const literal of conjunction) {
    const key = keyOf(literal.atom.field);
    groups.set(key, [...(groups.get(key) ?? []), literal]);
  }
  let host = lbHost;
  let path: PathMatch | undefined;
  let widened: Note | undefined;
  let allowed: readonly string[] | undefined;
  const headers: HeaderMatch[] = [];
  const query: QueryParamMatch[] = [];
  const never = { matches: [] };
  for (const literals of groups.values()) {
    const field = literals[0]?.atom.field;
    if (field === undefined) continue;
    if (field.kind === "host") {
      const h = hostOf(literals, lbHost);
      if (h === null) return never;
      host = h;
    } else if (field.kind === "path") {
      const p = pathMatch(literals);
      if (p === null) return never;
      path = p.path;
      widened = p.widened;
    } else if (field.kind === "method") {
      allowed = methods(literals);
      if (allowed.length === 0) return never;
    } else if (field.kind === "query") {
      const q = queryParams(literals, notes);
      if (q === null) return never;
      query.push(...q);
    } else if (field.kind === "header" || field.kind === "arg") {
      const m = valueMatch(field.name, literals, field.kind === "header" && field.name === COUNTRY_HEADER);
      if (m === null) return never;
      if (field.kind === "header") headers.push({ name: field.name, ...m });
      else query.push({ name: formDecode(field.name), ...(m.type === "Exact" ? { type: "Exact", value: formDecode(m.value) } : m) });
    }
  }
  const names = query.map((q) => q.name);
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  const span = conjunction[0]?.atom.span ?? { start: 0, end: 0 };
  if (repeated !== undefined) throw new Unsupported(`query parameter "${repeated}" is tested twice in one "and"`, span);
  if (headers.length > 16 || query.length > 16) throw new Unsupported("more than 16 header or query tests in one match", span);
  const base: RouteMatch = { host };
  if (path !== undefined) base.path = path;
  if (headers.length > 0) base.headers = headers;
  if (query.length > 0) base.queryParams = query;
  const matches =
    allowed === undefined || allowed.length === HTTP_METHODS.length
      ? [base]
      : allowed.map((method) => ({ ...base, method: method as RouteMatch["method"] }));
  return widened === undefined ? { matches } : { matches, widened };
}

/** `eq "/x"` beside `starts_with "/x/"` with the rest alike is the whole-segment PathPrefix "/x" exactly. */
function joinPrefixes(matches: RouteMatch[], notes: Note[], widened: Map<RouteMatch, Note>): RouteMatch[] {
  const out = [...matches];
  for (const prefix of matches) {
    const note = widened.get(prefix);
    if (note === undefined || prefix.path === undefined) continue;
    const exact = prefix.path.value.slice(0, -1);
    const twin = out.find(
      (m) => m.path?.type === "Exact" && m.path.value === exact && matchKey({ ...m, path: prefix.path }) === matchKey(prefix),
    );
    if (twin === undefined) continue;
    out.splice(out.indexOf(twin), 1);
    out[out.indexOf(prefix)] = { ...prefix, path: { type: "PathPrefix", value: exact } };
    notes.splice(notes.indexOf(note), 1);
  }
  return out;
}

/** Translates a condition for a load balancer on `lbHost`. An empty condition is always true. */
export function translateCondition(condition: string, lbHost: string): Translation {
  try {
    const whole = { start: 0, end: condition.length };
    const why: string[] = [];
    const conjunctions = condition.trim() === "" ? [[]] : normalForm(formulaOf(parseCondition(condition)), false, whole, why);
    const notes: Note[] = [];
    const widened = new Map<RouteMatch, Note>();
    let matches: RouteMatch[] = [];
    const seen = new Set<string>();
    for (const conjunction of conjunctions) {
      const found = matchesOf(conjunction, lbHost, notes);
      for (const match of found.matches) {
        const key = matchKey(match);
        if (seen.has(key)) continue;
        seen.add(key);
        matches.push(match);
        if (found.widened !== undefined) {
          widened.set(match, found.widened);
          notes.push(found.widened);
        }
      }
    }
    matches = joinPrefixes(matches, notes, widened);
    if (matches.length > MAX_MATCHES)
      throw new Unsupported(
        `the condition expands to ${matches.length} alternatives (an Edgeway route takes at most ${MAX_MATCHES})`,
        whole,
      );
    const spans = notes.map((n) => ({ span: { start: n.span.start, end: n.span.end }, reason: n.reason }));
    if (matches.length > 0) return { ok: true, matches, notes: spans };
    return { ok: true, matches, notes: spans, never: why[0] ?? "its tests contradict each other" };
  } catch (error) {
    if (error instanceof Unsupported || error instanceof RulesSyntaxError)
      return { ok: false, span: { start: error.span.start, end: error.span.end }, reason: error.message };
    throw error;
  }
}
