/**
 * The leaves of a rule's condition as tests Edgeway knows: which part of the request a
 * comparison reads (path, host, method, raw query, a header, a query parameter) and how
 * (equal, contains, starts with, ends with, a pattern), combined with and / or / not.
 * A leaf outside that subset throws Unsupported with its place, so the rule is left out
 * and the report points at the part that could not be carried.
 *
 * Fields read: http.request.uri.path, http.request.uri.query, http.host,
 * http.request.method, http.cookie (the Cookie header), ip.src.country (and its older
 * name ip.geoip.country: the CF-IPCountry header Cloudflare adds to every request a
 * Worker receives), http.request.headers["name"][0] and http.request.uri.args["name"][0]
 * (the first value), any(…["name"][*] op value) (compared as Edgeway sees a header: a
 * repeated field's values joined by ", "; a query parameter's first value), lower(…).
 */
import type { Expression, Operand, Span, Value } from "./parser.ts";
import { escapeRegex } from "./regex-text.ts";

/** The part of a request a test reads. Headers are named in lower case. */
export type FieldKey =
  | { readonly kind: "path" | "host" | "method" | "query" }
  | { readonly kind: "header"; readonly name: string }
  | { readonly kind: "arg"; readonly name: string };

/** `whole` is a whole-value pattern already (from a wildcard); `matches` a Cloudflare search pattern. */
export type Test = "eq" | "contains" | "starts" | "ends" | "matches" | "whole";

export interface Atom {
  readonly field: FieldKey;
  readonly test: Test;
  readonly value: string;
  /** Compared after lower-casing the request's value (lower(…)). */
  readonly fold: boolean;
  readonly span: Span;
}

export type Formula =
  | { readonly kind: "and" | "or"; readonly items: readonly Formula[] }
  | { readonly kind: "not"; readonly arg: Formula }
  | { readonly kind: "atom"; readonly atom: Atom }
  /** A test whose outcome is known; `why` says why it can never hold. */
  | { readonly kind: "const"; readonly value: boolean; readonly why?: string };

/** A part of a condition Edgeway cannot carry, with its place. */
export class Unsupported extends Error {
  override readonly name = "Unsupported";
  readonly span: Span;

  constructor(reason: string, span: Span) {
    super(reason);
    this.span = span;
  }
}

/** The header Cloudflare fills with the client's country on every request a Worker receives. */
export const COUNTRY_HEADER = "cf-ipcountry";

const SIMPLE_FIELDS: Record<string, FieldKey> = {
  "http.request.uri.path": { kind: "path" },
  "http.request.uri.query": { kind: "query" },
  "http.host": { kind: "host" },
  "http.request.method": { kind: "method" },
  "http.cookie": { kind: "header", name: "cookie" },
  "ip.src.country": { kind: "header", name: COUNTRY_HEADER },
  "ip.geoip.country": { kind: "header", name: COUNTRY_HEADER },
};

const MAP_FIELDS: Record<string, "header" | "arg"> = { "http.request.headers": "header", "http.request.uri.args": "arg" };

const FIELDS_SAID =
  "Edgeway matches on http.request.uri.path, http.request.uri.query, http.host, http.request.method, http.cookie, ip.src.country, http.request.headers[…] and http.request.uri.args[…]";

const LOWER_CAPITAL = "lower(…) compared with a text holding a capital letter";

/** The formula of a whole condition. */
export function formulaOf(expression: Expression): Formula {
  switch (expression.kind) {
    case "or":
    case "and":
      return { kind: expression.kind, items: expression.items.map(formulaOf) };
    case "xor":
      return expression.items.map(formulaOf).reduce((a, b) => ({
        kind: "or",
        items: [
          { kind: "and", items: [a, { kind: "not", arg: b }] },
          { kind: "and", items: [{ kind: "not", arg: a }, b] },
        ],
      }));
    case "not":
      return { kind: "not", arg: formulaOf(expression.arg) };
    case "compare":
      return leaf(expression, () => comparison(expression.lhs, expression.op, expression.rhs, false, expression));
    case "operand":
      return leaf(expression, () => call(expression.operand));
    case "literal":
      throw new Unsupported("a value on its own is not a condition", expression);
  }
}

/** A leaf's formula; what it cannot carry is reported with the whole comparison, the part that could not be read. */
function leaf(expression: Expression, read: () => Formula): Formula {
  try {
    return read();
  } catch (error) {
    if (error instanceof Unsupported) throw new Unsupported(error.message, { start: expression.start, end: expression.end });
    throw error;
  }
}

interface FieldRead {
  readonly field: FieldKey;
  readonly fold: boolean;
  /** Why the field never holds a value here (a header key Cloudflare never sees), if so. */
  readonly never?: string;
}

function fieldOf(operand: Operand, inAny: boolean): FieldRead {
  if (operand.kind === "call") {
    if (operand.name !== "lower" || operand.args.length !== 1 || operand.indexes.length > 0)
      throw new Unsupported(`${operand.name}() is not a function Edgeway can carry here (lower() is)`, operand);
    const arg = operand.args[0];
    if (arg?.kind !== "operand") throw new Unsupported("lower() of something other than a field", operand);
    return { ...fieldOf(arg.operand, inAny), fold: true };
  }
  const simple = SIMPLE_FIELDS[operand.name];
  if (simple !== undefined) {
    if (operand.indexes.length > 0) throw new Unsupported(`${operand.name} takes no index`, operand);
    return { field: simple, fold: false };
  }
  const map = MAP_FIELDS[operand.name];
  if (map === undefined) throw new Unsupported(`${operand.name} is not a field Edgeway can match on (${FIELDS_SAID})`, operand);
  const [key, position, ...rest] = operand.indexes;
  const what = map === "header" ? "a header" : "a query parameter";
  if (key?.kind !== "key" || position === undefined || rest.length > 0)
    throw new Unsupported(
      `${what} is a list of values: write ${operand.name}["name"][0], or any(${operand.name}["name"][*] == "value")`,
      operand,
    );
  if (position.kind === "each" && !inAny) throw new Unsupported("[*] is read only inside any()", position);
  if (position.kind === "position" && position.position !== 0)
    throw new Unsupported(`only the first value of ${what} ([0]) can be carried`, position);
  if (map === "arg") {
    if (key.key === "") throw new Unsupported("a query parameter with no name", key);
    return { field: { kind: "arg", name: key.key }, fold: false };
  }
  const name = key.key.toLowerCase();
  if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) throw new Unsupported(`${JSON.stringify(key.key)} is not a header name`, key);
  const never = key.key === name ? undefined : `Cloudflare names headers in lower case, so ${JSON.stringify(key.key)} is never present`;
  return never === undefined ? { field: { kind: "header", name }, fold: false } : { field: { kind: "header", name }, fold: false, never };
}

function text(value: Value, what: string): string {
  if (value.kind !== "string") throw new Unsupported(`${what} takes a quoted string here`, value);
  return value.value;
}

/** `*` any characters, `\*` a star, `\\` a backslash: a Cloudflare wildcard as a whole-value pattern. */
function wildcardPattern(wildcard: string, caseless: boolean): string {
  let out = "";
  for (let i = 0; i < wildcard.length; i++) {
    const c = wildcard.charAt(i);
    if (c === "\\" && (wildcard.charAt(i + 1) === "*" || wildcard.charAt(i + 1) === "\\")) out += escapeRegex(wildcard.charAt(++i));
    else out += c === "*" ? ".*" : escapeRegex(c);
  }
  return caseless ? `(?i)${out}` : out;
}

function comparison(lhs: Operand, op: string, rhs: Value, inAny: boolean, span: Span): Formula {
  const read = fieldOf(lhs, inAny);
  const atom = (test: Test, value: string, at: Span = span): Formula => {
    if (read.never !== undefined) return { kind: "const", value: false, why: read.never };
    if (read.fold && test !== "matches" && test !== "whole" && value !== value.toLowerCase())
      return { kind: "const", value: false, why: LOWER_CAPITAL };
    return { kind: "atom", atom: { field: read.field, test, value, fold: read.fold, span: at } };
  };
  switch (op) {
    case "eq":
      return atom("eq", text(rhs, op));
    case "ne":
      return { kind: "not", arg: atom("eq", text(rhs, op)) };
    case "contains":
      if (rhs.kind === "set") return { kind: "or", items: rhs.items.map((item) => atom("contains", text(item, op), item)) };
      return atom("contains", text(rhs, op));
    case "matches":
      if (read.fold) throw new Unsupported("a pattern over lower(…) cannot be carried: write the pattern with (?i)", span);
      return atom("matches", text(rhs, op));
    case "wildcard":
    case "strict wildcard":
      return atom("whole", wildcardPattern(text(rhs, op), op === "wildcard"));
    case "in":
      if (rhs.kind === "list") throw new Unsupported("lists ($name) are not available to load balancing rules", rhs);
      if (rhs.kind !== "set") throw new Unsupported("in takes a set {…}", rhs);
      return { kind: "or", items: rhs.items.map((item) => atom("eq", text(item, op), item)) };
    default:
      throw new Unsupported(
        `${op} compares by order or bits: Edgeway matches text by equality, prefix, suffix, containment or a pattern`,
        span,
      );
  }
}

/** A function standing alone as a test: starts_with(), ends_with(), any(…[*] op value). */
function call(operand: Operand): Formula {
  if (operand.kind !== "call") throw new Unsupported(`${operand.name} is not a true/false field Edgeway can test`, operand);
  if (operand.indexes.length > 0) throw new Unsupported(`${operand.name}() takes no index here`, operand);
  const [first, second, ...rest] = operand.args;
  if (
    (operand.name === "starts_with" || operand.name === "ends_with") &&
    first?.kind === "operand" &&
    second?.kind === "literal" &&
    rest.length === 0
  ) {
    const read = fieldOf(first.operand, false);
    const value = text(second.value, `${operand.name}()`);
    if (read.never !== undefined) return { kind: "const", value: false, why: read.never };
    if (read.fold && value !== value.toLowerCase()) return { kind: "const", value: false, why: LOWER_CAPITAL };
    return {
      kind: "atom",
      atom: { field: read.field, test: operand.name === "starts_with" ? "starts" : "ends", value, fold: read.fold, span: operand },
    };
  }
  if (operand.name === "any" && first?.kind === "compare" && second === undefined) {
    const each = first.lhs.indexes.some((i) => i.kind === "each");
    if (!each) throw new Unsupported("any() of a comparison without [*]", first);
    return comparison(first.lhs, first.op, first.rhs, true, first);
  }
  throw new Unsupported(`${operand.name}() is not a function Edgeway can carry (starts_with, ends_with, any and lower are)`, operand);
}
