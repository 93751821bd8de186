/**
 * What a route does to a request besides forwarding it (Gateway API `HTTPRouteFilter`,
 * plus Cloudflare's fixed response): header edits both ways, a URL rewrite, a redirect
 * answered at the edge, a mirror to another pool, a fixed response. Each filter becomes a
 * stage of the route's request plan (src/request/), present only on the routes that use it.
 *
 * A filter may not touch what Edgeway owns: the connection-specific fields (RFC 9110
 * §7.6.1), Host (use URLRewrite's hostname), Content-Length, the X-Forwarded-* and
 * Forwarded fields, x-request-id, traceparent/tracestate and every x-edgeway-* field.
 */
import { z } from "zod";
import { Id } from "./fields.ts";
import { HEADER_NAME } from "./match-schema.ts";
import { HOP_BY_HOP, headerValueProblem } from "./origin-headers.ts";

/** Fields no filter may set, add or remove, with the reason. */
export function protectedHeader(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (HOP_BY_HOP.includes(lower)) return "is connection-specific (RFC 9110 §7.6.1): no filter may touch it";
  if (lower === "host") return "is the origin's: use a URLRewrite filter's hostname";
  if (lower.startsWith("x-edgeway-")) return "is Edgeway's own";
  if (["content-length", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded"].includes(lower))
    return "is set by Edgeway on every request";
  if (["x-request-id", "traceparent", "tracestate"].includes(lower)) return "carries the request's id and trace, which Edgeway keeps";
  return undefined;
}

const HeaderName = z
  .string()
  .max(256)
  .regex(HEADER_NAME, "must be a header name (RFC 9110 token)")
  .superRefine((name, ctx) => {
    const problem = protectedHeader(name);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: `"${name}" ${problem}` });
  });

const HeaderPair = z
  .strictObject({
    name: HeaderName.describe("The header's name (case-insensitive)."),
    value: z
      .string()
      .max(4_096)
      .refine((v) => headerValueProblem(v) === undefined, { message: "must not contain a line break, NUL or other control character" })
      .describe("The header's value."),
  })
  .describe("A header name and value.");

export const HeaderModifierSchema = z
  .strictObject({
    set: z.array(HeaderPair).max(32).optional().describe("Headers to set, replacing any value of the same name."),
    add: z.array(HeaderPair).max(32).optional().describe("Headers to append to, keeping any value already there (joined by ', ')."),
    remove: z.array(HeaderName).max(32).optional().describe("Header names to remove."),
  })
  .superRefine((m, ctx) => {
    const seen = new Map<string, string>();
    for (const [field, names] of [
      ["set", (m.set ?? []).map((p) => p.name)],
      ["add", (m.add ?? []).map((p) => p.name)],
      ["remove", m.remove ?? []],
    ] as const) {
      names.forEach((name, i) => {
        const lower = name.toLowerCase();
        const earlier = seen.get(lower);
        if (earlier !== undefined)
          ctx.addIssue({ code: "custom", path: [field, i], message: `"${name}" is already edited by ${earlier}: one edit per header` });
        seen.set(lower, field);
      });
    }
  })
  .describe("Header edits (Gateway API HTTPHeaderFilter): set, then add, then remove.");

const PathModifier = z
  .discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("ReplaceFullPath").describe("ReplaceFullPath: replaceFullPath is the whole new path."),
      replaceFullPath: z
        .string()
        .startsWith("/", "must start with '/'")
        .max(1_024)
        .describe("The path sent instead (the query string is kept)."),
    }),
    z.strictObject({
      type: z.literal("ReplacePrefixMatch").describe("ReplacePrefixMatch: replacePrefixMatch replaces the matched PathPrefix."),
      replacePrefixMatch: z
        .string()
        .startsWith("/", "must start with '/'")
        .max(1_024)
        .describe("What replaces the matched PathPrefix, on whole segments (the query string is kept)."),
    }),
  ])
  .superRefine((p, ctx) => {
    const value = p.type === "ReplaceFullPath" ? p.replaceFullPath : p.replacePrefixMatch;
    if (/[?#\s]/.test(value) || headerValueProblem(value) !== undefined)
      ctx.addIssue({ code: "custom", message: "must be a path: no query string, fragment, space or control character" });
  })
  .describe("A path change (Gateway API HTTPPathModifier).");

const Hostname = z
  .string()
  .max(253)
  .regex(
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i,
    "must be a host name, e.g. api.example.com (no scheme or port)",
  );

export const URLRewriteSchema = z
  .strictObject({
    hostname: Hostname.optional().describe("The Host the origin sees instead of the client's (as an origin's host option does)."),
    path: PathModifier.optional().describe("The path the origin sees instead of the client's."),
  })
  .describe("Rewrites the request's URL on its way to the origin (Gateway API HTTPURLRewriteFilter).");

export const REDIRECT_CODES = [301, 302, 303, 307, 308] as const;

export const RequestRedirectSchema = z
  .strictObject({
    scheme: z.enum(["http", "https"]).optional().describe("The Location's scheme. Absent: the request's."),
    hostname: Hostname.optional().describe("The Location's host. Absent: the request's."),
    port: z
      .number()
      .int()
      .min(1)
      .max(65_535)
      .optional()
      .describe("The Location's port. Absent: the scheme's default when scheme is given, else the request's port."),
    path: PathModifier.optional().describe("The Location's path. Absent: the request's."),
    statusCode: z
      .union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)])
      .default(302)
      .describe("301, 302 (default, as the Gateway API), 303, 307 or 308."),
  })
  .describe(
    "Answers with a redirect at the edge; no origin is contacted (Gateway API HTTPRequestRedirectFilter). The query string is kept.",
  );

export const RequestMirrorSchema = z
  .strictObject({
    pool: Id.describe("The pool that receives the copies (not one the route sends to)."),
    percent: z
      .number()
      .min(0)
      .max(100)
      .optional()
      .describe("The share of requests mirrored, 0–100. Absent (and no fraction): every request."),
    fraction: z
      .strictObject({
        numerator: z.number().int().min(0).describe("Requests mirrored out of every denominator."),
        denominator: z.number().int().min(1).default(100).describe("The fraction's denominator (default 100)."),
      })
      .refine((f) => f.numerator <= f.denominator, { message: "numerator must not exceed denominator" })
      .optional()
      .describe("The share of requests mirrored as numerator/denominator (instead of percent)."),
  })
  .refine((m) => m.percent === undefined || m.fraction === undefined, { message: "give percent or fraction, not both" })
  .describe(
    "Sends a copy of the request to another pool, never awaited by the client; its answer is discarded (Gateway API HTTPRequestMirrorFilter).",
  );

/** Longest fixed response body: a maintenance page, not a site. */
export const MAX_FIXED_BODY = 65_536;

export const FixedResponseSchema = z
  .strictObject({
    statusCode: z.number().int().min(200).max(599).default(200).describe("The response's status code."),
    contentType: z
      .string()
      .max(256)
      .refine((v) => headerValueProblem(v) === undefined, { message: "must not contain a line break or control character" })
      .optional()
      .describe('The response\'s Content-Type. Absent: "text/plain; charset=utf-8" when there is a body.'),
    body: z
      .string()
      .optional()
      .refine((b) => b === undefined || new TextEncoder().encode(b).length <= MAX_FIXED_BODY, {
        message: `must be at most ${MAX_FIXED_BODY} bytes`,
      })
      .describe(`The response body, at most ${MAX_FIXED_BODY} bytes.`),
    location: z
      .string()
      .max(2_048)
      .refine(
        (v) => {
          try {
            new URL(v, "https://edge.invalid/");
            return headerValueProblem(v) === undefined;
          } catch {
            return false;
          }
        },
        { message: "must be a URL or an absolute path" },
      )
      .optional()
      .describe("A Location header for the response."),
  })
  .describe("Answers with this response at the edge; no origin is contacted (Cloudflare Load Balancing's fixed_response).");

export const FILTER_TYPES = [
  "RequestHeaderModifier",
  "ResponseHeaderModifier",
  "URLRewrite",
  "RequestRedirect",
  "RequestMirror",
  "FixedResponse",
] as const;

const RequestHeaderFilter = z.strictObject({
  type: z.literal("RequestHeaderModifier").describe("RequestHeaderModifier: the field requestHeaderModifier holds the filter."),
  requestHeaderModifier: HeaderModifierSchema,
});
const ResponseHeaderFilter = z.strictObject({
  type: z.literal("ResponseHeaderModifier").describe("ResponseHeaderModifier: the field responseHeaderModifier holds the filter."),
  responseHeaderModifier: HeaderModifierSchema,
});

export const FilterSchema = z
  .discriminatedUnion("type", [
    RequestHeaderFilter,
    ResponseHeaderFilter,
    z.strictObject({
      type: z.literal("URLRewrite").describe("URLRewrite: the field urlRewrite holds the filter."),
      urlRewrite: URLRewriteSchema,
    }),
    z.strictObject({
      type: z.literal("RequestRedirect").describe("RequestRedirect: the field requestRedirect holds the filter."),
      requestRedirect: RequestRedirectSchema,
    }),
    z.strictObject({
      type: z.literal("RequestMirror").describe("RequestMirror: the field requestMirror holds the filter."),
      requestMirror: RequestMirrorSchema,
    }),
    z.strictObject({
      type: z.literal("FixedResponse").describe("FixedResponse: the field fixedResponse holds the filter."),
      fixedResponse: FixedResponseSchema,
    }),
  ])
  .describe("A filter (Gateway API HTTPRouteFilter, plus FixedResponse): type names the one field that holds it.");

/** Filters allowed on one pool of a route (Gateway API backendRef filters). */
export const PoolFilterSchema = z
  .discriminatedUnion("type", [RequestHeaderFilter, ResponseHeaderFilter])
  .describe("A filter for the requests one pool serves: header edits only.");

export type Filter = z.output<typeof FilterSchema>;
export type PoolFilter = z.output<typeof PoolFilterSchema>;
export type HeaderModifier = z.output<typeof HeaderModifierSchema>;
export type URLRewrite = z.output<typeof URLRewriteSchema>;
export type RequestRedirect = z.output<typeof RequestRedirectSchema>;
export type RequestMirror = z.output<typeof RequestMirrorSchema>;
export type FixedResponse = z.output<typeof FixedResponseSchema>;

/** The first filter of `type` in a route's filters, if any. */
export function filterOf<T extends Filter["type"]>(
  filters: readonly Filter[] | undefined,
  type: T,
): Extract<Filter, { type: T }> | undefined {
  for (const filter of filters ?? []) if (filter.type === type) return filter as Extract<Filter, { type: T }>;
  return undefined;
}
