/**
 * What a route matches (Gateway API `HTTPRouteMatch`, plus the host): the path (`Exact`,
 * `PathPrefix` on whole segments, `RegularExpression`), headers, query parameters and the
 * method. The fields of one match must all hold; a route's `match` may be a list, any one
 * of which is enough (a Gateway API rule's `matches`). Precedence between routes is
 * routing/match.ts's.
 */
import { z } from "zod";
import { regexProblem } from "../routing/regex.ts";
import { headerValueProblem } from "./origin-headers.ts";

/** RFC 9110 §5.1 field name (a token). */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export const HostPattern = z
  .string()
  .regex(
    /^(\*|(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)$/i,
    'must be "*", a host name, or "*." followed by a host name',
  );

export const PATH_MATCH_TYPES = ["Exact", "PathPrefix", "RegularExpression"] as const;

export const PathMatchSchema = z
  .strictObject({
    type: z
      .enum(PATH_MATCH_TYPES)
      .default("PathPrefix")
      .describe(
        '"Exact" (the whole path), "PathPrefix" (whole segments: "/api" matches "/api" and "/api/x", not "/apix"; a trailing "/" is ignored) or "RegularExpression" (RE2 syntax, matched against the whole path).',
      ),
    value: z.string().min(1).max(1_024).default("/").describe('The path, prefix or pattern; a path or prefix starts with "/".'),
  })
  .superRefine((path, ctx) => {
    if (path.type === "RegularExpression") {
      const problem = regexProblem(path.value);
      if (problem !== undefined) ctx.addIssue({ code: "custom", path: ["value"], message: `${JSON.stringify(path.value)} ${problem}` });
      return;
    }
    if (!path.value.startsWith("/")) ctx.addIssue({ code: "custom", path: ["value"], message: "must start with '/'" });
    else if (/[?#]/.test(path.value))
      ctx.addIssue({ code: "custom", path: ["value"], message: "must not hold a query string or fragment" });
    else if (path.type === "PathPrefix" && /\/\/|\/\.\.?(\/|$)/.test(path.value))
      ctx.addIssue({ code: "custom", path: ["value"], message: 'must not hold "//", "/./" or "/../"' });
  })
  .describe("A path match (Gateway API HTTPPathMatch).");

const ValueMatchType = z
  .enum(["Exact", "RegularExpression"])
  .default("Exact")
  .describe('"Exact" (the whole value, case-sensitive) or "RegularExpression" (RE2 syntax, matched against the whole value).');

function valueMatch(what: string, nameRule: z.ZodString) {
  return z
    .strictObject({
      name: nameRule,
      type: ValueMatchType,
      value: z.string().max(4_096).describe(`The ${what}'s value, or a pattern.`),
    })
    .superRefine((m, ctx) => {
      if (m.type === "RegularExpression") {
        const problem = regexProblem(m.value);
        if (problem !== undefined) ctx.addIssue({ code: "custom", path: ["value"], message: `${JSON.stringify(m.value)} ${problem}` });
      } else if (headerValueProblem(m.value) !== undefined)
        ctx.addIssue({ code: "custom", path: ["value"], message: "must not contain a line break, NUL or other control character" });
    });
}

export const HeaderMatchSchema = valueMatch(
  "header",
  z
    .string()
    .regex(HEADER_NAME, "must be a header name (RFC 9110 token)")
    .max(256)
    .describe("The header's name, case-insensitive. Repeated fields are compared as one value joined by ', '."),
).describe("A header match (Gateway API HTTPHeaderMatch).");

export const QueryParamMatchSchema = valueMatch(
  "query parameter",
  z.string().min(1).max(256).describe("The query parameter's name, case-sensitive; the first occurrence is compared."),
).describe("A query parameter match (Gateway API HTTPQueryParamMatch).");

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"] as const;

function noRepeatedNames(list: readonly { name: string }[] | undefined, fold: boolean, ctx: z.RefinementCtx, field: string): void {
  const seen = new Set<string>();
  (list ?? []).forEach((m, i) => {
    const key = fold ? m.name.toLowerCase() : m.name;
    if (seen.has(key)) ctx.addIssue({ code: "custom", path: [field, i, "name"], message: `"${m.name}" is matched twice in one match` });
    seen.add(key);
  });
}

export const RouteMatchSchema = z
  .strictObject({
    host: HostPattern.default("*").describe(
      'The request\'s host: "api.example.com", "*.example.com" (any subdomain) or "*" (any host); case-insensitive.',
    ),
    pathPrefix: z
      .string()
      .startsWith("/", "must start with '/'")
      .optional()
      .describe(
        'Shorthand for path { type: "PathPrefix", value }: "/api" matches "/api" and "/api/x", not "/apix". Absent with path absent: "/".',
      ),
    path: PathMatchSchema.optional().describe("The path match. Absent: pathPrefix, else every path."),
    method: z.enum(HTTP_METHODS).optional().describe("The request's method must be this one. Absent: any method."),
    headers: z.array(HeaderMatchSchema).max(16).optional().describe("Headers the request must carry, each with a matching value."),
    queryParams: z
      .array(QueryParamMatchSchema)
      .max(16)
      .optional()
      .describe("Query parameters the request must carry, each with a matching value."),
  })
  .superRefine((m, ctx) => {
    if (m.path !== undefined && m.pathPrefix !== undefined)
      ctx.addIssue({ code: "custom", path: ["pathPrefix"], message: "give path or pathPrefix, not both" });
    noRepeatedNames(m.headers, true, ctx, "headers");
    noRepeatedNames(m.queryParams, false, ctx, "queryParams");
  })
  .describe("One match: every field given must hold (Gateway API HTTPRouteMatch, plus the host).");

export type RouteMatch = z.output<typeof RouteMatchSchema>;
export type PathMatch = z.output<typeof PathMatchSchema>;
export type HeaderMatch = z.output<typeof HeaderMatchSchema>;
export type QueryParamMatch = z.output<typeof QueryParamMatchSchema>;

/** A route's `match`: one match, or a list of them of which any one is enough. */
export const RouteMatchesSchema = z
  .union([RouteMatchSchema, z.array(RouteMatchSchema).min(1, "a list of matches needs at least one").max(64)])
  .default({ host: "*" })
  .describe(
    "Which requests the route takes: one match, or a list of matches any one of which is enough. Between routes, the most specific host wins, then (Gateway API HTTPRoute precedence) an Exact path, a RegularExpression, the longest PathPrefix, a method, the most header matches, the most query matches, then document order.",
  );

/** The route's matches as a list. */
export function matchList(match: RouteMatch | readonly RouteMatch[]): readonly RouteMatch[] {
  return Array.isArray(match) ? match : [match as RouteMatch];
}

/** The match's path as a Gateway API path match (`pathPrefix` and an absent path are PathPrefix matches). */
export function pathOf(match: RouteMatch): PathMatch {
  return match.path ?? { type: "PathPrefix", value: match.pathPrefix ?? "/" };
}
