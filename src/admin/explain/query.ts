/**
 * The query `/_edgeway/explain` takes, checked by its schema: a bad value answers 400
 * naming the parameter and what is wrong, before anything is explained.
 */
import { z } from "@hono/zod-openapi";
import { DEBUG_GEO_HEADER, DebugGeoError, parseDebugGeo } from "../../routing/client.ts";

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Problems with a `url` value, or undefined when it is an absolute http(s) URL. */
function urlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `not an absolute URL: ${JSON.stringify(value)} (e.g. https://app.example.com/path)`;
  }
  return url.protocol === "http:" || url.protocol === "https:" ? undefined : `must be http:// or https://, got ${url.protocol}//`;
}

/** A `header` value split into name and value, or a problem. */
export function splitHeader(text: string): { name: string; value: string } | string {
  const colon = text.indexOf(":");
  if (colon <= 0) return `"${text}" is not "name: value"`;
  const name = text.slice(0, colon).trim();
  const value = text.slice(colon + 1).trim();
  if (!TOKEN.test(name)) return `"${name}" is not a header name`;
  if (/[\0\r\n]/.test(value)) return `the value of ${name} contains a line break or NUL`;
  return { name: name.toLowerCase(), value };
}

/** A `cookie` value split into name and value, or a problem. */
export function splitCookie(text: string): { name: string; value: string } | string {
  const eq = text.indexOf("=");
  if (eq <= 0) return `"${text}" is not "name=value"`;
  const name = text.slice(0, eq).trim();
  const value = text.slice(eq + 1).trim();
  if (!TOKEN.test(name)) return `"${name}" is not a cookie name`;
  if (/[;\0\r\n]/.test(value)) return `the value of ${name} contains ";", a line break or NUL`;
  return { name, value };
}

/** Problems with a `geo` value, read as the debug geo header is read. */
function geoProblem(text: string): string | undefined {
  try {
    parseDebugGeo(text, undefined);
    return undefined;
  } catch (error) {
    if (error instanceof DebugGeoError) return error.message.replace(`${DEBUG_GEO_HEADER}: `, "");
    throw error;
  }
}

/** IPv4 dotted quad or IPv6 (hex groups, "::", an embedded IPv4 tail). */
const IP = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)$/;

/** One query value, given once. */
function single(description: string, required: boolean) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? (required ? "required" : "invalid") : "give it once") })
    .describe(description);
}

/** A repeatable query value: one string or several; each checked by `problem`. */
function repeatable(description: string, problem: (text: string) => string | undefined) {
  return z
    .union([z.string(), z.array(z.string())])
    .superRefine((value, ctx) => {
      const list = typeof value === "string" ? [value] : value;
      list.forEach((text, i) => {
        const p = problem(text);
        if (p !== undefined) ctx.addIssue({ code: "custom", message: p, path: typeof value === "string" ? [] : [i] });
      });
    })
    .optional()
    .describe(description);
}

/** The explain query: `url` required, the rest default to what this call itself carries. */
export const ExplainQuery = z.strictObject({
  url: single("The request to explain: an absolute http:// or https:// URL. Its host and path pick the route.", true)
    .superRefine((value, ctx) => {
      const p = urlProblem(value);
      if (p !== undefined) ctx.addIssue({ code: "custom", message: p });
    })
    .openapi({ example: "https://app.example.com/api/users" }),
  method: single("The request method (default GET); decides whether retries and hedging apply.", false)
    .regex(/^[A-Za-z]{1,20}$/, "must be an HTTP method, e.g. GET")
    .optional()
    .openapi({ example: "GET" }),
  geo: single(
    `Where the client is, in the syntax of the ${DEBUG_GEO_HEADER} header: "country=DE; continent=EU; lat=52.52; lon=13.40; colo=FRA" (any subset). Replaces request.cf as a whole; default: this call's own.`,
    false,
  )
    .superRefine((value, ctx) => {
      const p = geoProblem(value);
      if (p !== undefined) ctx.addIssue({ code: "custom", message: p });
    })
    .optional()
    .openapi({ example: "country=DE; continent=EU; colo=FRA" }),
  ip: single("The client IP, for ip hashing and ip affinity (default: this call's cf-connecting-ip).", false)
    .regex(IP, "must be an IPv4 or IPv6 address")
    .optional()
    .openapi({ example: "203.0.113.7" }),
  header: repeatable('A request header as "name: value", for hash-on-header and header affinity; repeat for more.', (t) => {
    const h = splitHeader(t);
    return typeof h === "string" ? h : undefined;
  }).openapi({ example: "x-user: alice" }),
  cookie: repeatable('A cookie as "name=value", for hash-on-cookie and affinity-cookie pins; repeat for more.', (t) => {
    const c = splitCookie(t);
    return typeof c === "string" ? c : undefined;
  }).openapi({ example: "__edgeway_affinity=eu-1.1790000000.AbC" }),
});

/** The checked query. */
export type Query = z.output<typeof ExplainQuery>;
