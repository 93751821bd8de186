/**
 * An Istio HTTPMatchRequest as Edgeway matches: `uri` exact / prefix / regex, `headers`,
 * `queryParams` and `method` (Istio StringMatch: exact, prefix, regex — RE2, whole value,
 * as Edgeway's). A header or query `prefix` becomes a regular expression (the prefix
 * escaped, then `.*`); a test with no value checks that the header is present. A match
 * on something Edgeway cannot test (the source workload, the port, the scheme, the
 * authority, headers that must be absent) is left out rather than widened, and reported.
 */
import { HEADER_NAME, HTTP_METHODS } from "../../../../src/config/match-schema.ts";
import { compileRegex, regexProblem } from "../../../../src/routing/regex.ts";
import { headerValueProblem } from "../../../../src/config/origin-headers.ts";
import { dropUnhandled, record, text } from "../model.ts";
import type { DropLog } from "../model.ts";
import { EVERYTHING } from "./conditions.ts";
import type { Cond, Method, PathCond, ValueCond } from "./conditions.ts";

/** Fields whose test Edgeway cannot make: the match is left out. */
const UNTESTABLE: Record<string, string> = {
  sourceLabels: "the calling workload's labels (mesh traffic), which an edge proxy does not see",
  sourceNamespace: "the calling workload's namespace (mesh traffic), which an edge proxy does not see",
  port: "the port the request came to, which Edgeway routes do not test",
  withoutHeaders: "headers that must be absent, which Edgeway routes cannot test",
  scheme: "the request's scheme, which Edgeway routes do not test",
  authority: "the authority, which Edgeway matches through the route's host (spec.hosts)",
};

/** RE2 syntax for a literal string. */
export function escapeRegex(value: string): string {
  return value.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
}

type Outcome<T> = { readonly ok: T } | { readonly problem: string };

/** An Istio StringMatch on a header or query value. */
function valueMatch(name: string, m: unknown): Outcome<ValueCond> {
  const match = record(m) ?? {};
  const exact = text(match["exact"]);
  const prefix = text(match["prefix"]);
  const regex = text(match["regex"]);
  let out: ValueCond;
  if (exact !== undefined) out = { name, type: "Exact", value: exact };
  else if (prefix !== undefined) out = { name, type: "RegularExpression", value: `${escapeRegex(prefix)}.*` };
  else if (regex !== undefined) out = { name, type: "RegularExpression", value: regex };
  else if (Object.keys(match).length === 0) out = { name, type: "RegularExpression", value: ".*" };
  else return { problem: `${JSON.stringify(m)} is not a StringMatch (exact, prefix or regex)` };
  if (out.type === "RegularExpression") {
    const problem = regexProblem(out.value);
    if (problem !== undefined) return { problem: `${JSON.stringify(out.value)} ${problem}` };
  } else if (headerValueProblem(out.value) !== undefined || out.value.length > 4_096)
    return { problem: "the value holds a control character or is longer than 4096 characters" };
  return { ok: out };
}

function uriMatch(m: unknown): Outcome<PathCond> {
  const uri = record(m) ?? {};
  const exact = text(uri["exact"]);
  const prefix = text(uri["prefix"]);
  const regex = text(uri["regex"]);
  if (regex !== undefined) {
    const problem = regexProblem(regex);
    return problem === undefined ? { ok: { type: "RegularExpression", value: regex } } : { problem: `${JSON.stringify(regex)} ${problem}` };
  }
  const path: PathCond | undefined =
    exact !== undefined ? { type: "Exact", value: exact } : prefix !== undefined ? { type: "PathPrefix", value: prefix } : undefined;
  if (path === undefined) return { problem: `${JSON.stringify(m)} is not a StringMatch (exact, prefix or regex)` };
  if (!path.value.startsWith("/")) return { problem: `${JSON.stringify(path.value)} does not start with "/"` };
  if (/[?#]/.test(path.value) || path.value.length > 1_024)
    return { problem: `${JSON.stringify(path.value)} holds a query or fragment, or is too long` };
  if (path.type === "PathPrefix" && /\/\/|\/\.\.?(\/|$)/.test(path.value))
    return { problem: `${JSON.stringify(path.value)} holds "//", "/./" or "/../"` };
  return { ok: path };
}

/** The methods an Istio StringMatch on the method holds for (a prefix or regex is spelt out over the methods Edgeway knows). */
function methods(m: unknown): Outcome<Method[]> {
  const match = record(m) ?? {};
  const exact = text(match["exact"]);
  if (exact !== undefined)
    return (HTTP_METHODS as readonly string[]).includes(exact)
      ? { ok: [exact as Method] }
      : { problem: `method ${exact} is not one Edgeway routes on (${HTTP_METHODS.join(", ")})` };
  const prefix = text(match["prefix"]);
  const regex = text(match["regex"]);
  if (prefix === undefined && regex === undefined) return { problem: `${JSON.stringify(m)} is not a StringMatch (exact, prefix or regex)` };
  const pattern = regex ?? `${escapeRegex(prefix ?? "")}.*`;
  const problem = regexProblem(pattern);
  if (problem !== undefined) return { problem: `${JSON.stringify(pattern)} ${problem}` };
  const test = compileRegex(pattern);
  const held = HTTP_METHODS.filter((method) => test.test(method));
  return held.length > 0 ? { ok: held } : { problem: `${JSON.stringify(pattern)} holds for none of ${HTTP_METHODS.join(", ")}` };
}

/**
 * The Edgeway matches for one Istio match (several when a method pattern names several
 * methods), or undefined when the match was left out; every loss is reported.
 */
export function istioMatch(m: unknown, source: string, path: string, log: DropLog): Cond[] | undefined {
  const match = record(m) ?? {};
  const leftOut = (why: string): undefined => {
    log.drop(source, path, `${why}: this match was left out`);
    return undefined;
  };
  const untestable = Object.keys(match).filter((key) => UNTESTABLE[key] !== undefined);
  if (untestable.length > 0) return leftOut(`matches on ${untestable.map((k) => UNTESTABLE[k]).join("; ")}`);
  dropUnhandled(log, source, path, match, [
    "name",
    "uri",
    "method",
    "headers",
    "queryParams",
    "ignoreUriCase",
    "gateways",
    "statPrefix",
    ...Object.keys(UNTESTABLE),
  ]);
  if (match["ignoreUriCase"] === true)
    log.drop(source, `${path}.ignoreUriCase`, "Edgeway compares paths case-sensitively: only the path as written matches");
  if (match["gateways"] !== undefined)
    log.drop(source, `${path}.gateways`, "Edgeway is itself the gateway: the match holds for every request it serves");
  if (match["statPrefix"] !== undefined) log.drop(source, `${path}.statPrefix`, "Edgeway's metrics are labelled by route id");

  let cond: Cond = EVERYTHING;
  if (match["uri"] !== undefined) {
    const uri = uriMatch(match["uri"]);
    if ("problem" in uri) return leftOut(`uri: ${uri.problem}`);
    cond = { ...cond, path: uri.ok };
  }
  for (const [field, fold] of [
    ["headers", true],
    ["queryParams", false],
  ] as const) {
    const tests: ValueCond[] = [];
    for (const [name, value] of Object.entries(record(match[field]) ?? {})) {
      if (field === "headers" && (!HEADER_NAME.test(name) || name.length > 256))
        return leftOut(`headers: "${name}" is not a header name Edgeway can test (RFC 9110 token)`);
      if (tests.some((t) => (fold ? t.name.toLowerCase() === name.toLowerCase() : t.name === name))) continue;
      const test = valueMatch(name, value);
      if ("problem" in test) return leftOut(`${field}.${name}: ${test.problem}`);
      tests.push(test.ok);
    }
    if (tests.length > 16) return leftOut(`${field}: more than 16 tests`);
    cond = { ...cond, [field]: tests };
  }
  if (match["method"] === undefined) return [cond];
  const held = methods(match["method"]);
  if ("problem" in held) return leftOut(`method: ${held.problem}`);
  return held.ok.map((method) => ({ ...cond, method }));
}
