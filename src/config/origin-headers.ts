/**
 * Extra request headers for an origin (and for every origin of a pool), so an origin can
 * refuse traffic that did not come through Edgeway. A value is either text, or
 * `{ "secret": "NAME" }`: the value of the Worker secret NAME, read when the request is
 * sent. The config document only ever holds the name, so config reads, `explain`, logs,
 * metrics and the status page cannot show the value.
 *
 * Checked at validation (RFC 9110 §5.1, §5.5): names are tokens and not connection-specific
 * (§7.6.1) nor fields Edgeway itself sets; text values and secret values carry no line
 * break, NUL or other control character. Whether each secret and mTLS binding exists is a
 * check against the Worker's bindings, which the schema cannot see: `bindingIssues`.
 */
import { z } from "zod";

/** RFC 9110 §7.6.1 connection-specific fields (plus Proxy-Connection, which §7.6.1 also names). */
export const HOP_BY_HOP: readonly string[] = [
  "connection",
  "proxy-connection",
  "keep-alive",
  "te",
  "transfer-encoding",
  "upgrade",
  "trailer",
];

/** Fields Edgeway sets itself on every request to an origin: config cannot replace them. */
const SET_BY_EDGEWAY: readonly string[] = [
  "host",
  "content-length",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
  "forwarded",
  "x-request-id",
  "traceparent",
  "tracestate",
];

/** Edgeway's own secrets and bindings: never sent to an origin. */
export const RESERVED_SECRETS: ReadonlySet<string> = new Set([
  "ADMIN_TOKEN",
  "ADMIN_READ_TOKEN",
  "AFFINITY_KEY",
  "REGISTER_TOKEN",
  "CONFIG",
  "ORIGIN_STATE",
  "ANALYTICS",
  "EDGEWAY_DEBUG_HEADERS",
]);

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A field value may hold visible characters, spaces and tabs (RFC 9110 §5.5): no CR, LF, NUL or other control. */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** Why a header value cannot be sent, or undefined when it can. */
export function headerValueProblem(value: string): string | undefined {
  return CONTROL.test(value) ? "contains a line break, NUL or other control character" : undefined;
}

/** A Worker binding name: what `wrangler secret put NAME` and wrangler.toml accept. */
export const BindingName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "must be a Worker binding name: letters, digits and '_', not starting with a digit");

export const SecretRefSchema = z
  .strictObject({
    /** The name of a Worker secret (`wrangler secret put NAME`) whose value is sent. */
    secret: BindingName.refine((name) => !RESERVED_SECRETS.has(name), {
      message: "names one of Edgeway's own secrets or bindings, which are never sent to an origin: use a secret of its own",
    }).describe(
      "The name of a Worker secret (wrangler secret put NAME) whose value is sent; not one of Edgeway's own (ADMIN_TOKEN, AFFINITY_KEY, …).",
    ),
  })
  .describe("A header value read from a Worker secret when the request is sent: the document holds only the secret's name.");

export const HeaderValueSchema = z
  .union([
    z
      .string()
      .max(8_192)
      .refine((value) => headerValueProblem(value) === undefined, {
        message: "must not contain a line break, NUL or other control character",
      })
      .describe("The header's value as text: no line break, NUL or other control character."),
    SecretRefSchema,
  ])
  .describe('The header\'s value: text, or { "secret": "NAME" } for the value of the Worker secret NAME.');

/** Header name → value or secret reference. */
export const OriginHeadersSchema = z.record(z.string(), HeaderValueSchema).superRefine((headers, ctx) => {
  const seen = new Set<string>();
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (!TOKEN.test(name)) ctx.addIssue({ code: "custom", path: [name], message: "must be a header name (RFC 9110 token)" });
    else if (HOP_BY_HOP.includes(lower))
      ctx.addIssue({ code: "custom", path: [name], message: "is connection-specific (RFC 9110 §7.6.1) and never forwarded" });
    else if (SET_BY_EDGEWAY.includes(lower))
      ctx.addIssue({
        code: "custom",
        path: [name],
        message: lower === "host" ? 'is set by Edgeway: use the origin\'s "host" option' : "is set by Edgeway on every request",
      });
    else if (seen.has(lower)) ctx.addIssue({ code: "custom", path: [name], message: "is given twice (header names are case-insensitive)" });
    seen.add(lower);
  }
});

export type HeaderValue = z.output<typeof HeaderValueSchema>;
export type OriginHeaders = z.output<typeof OriginHeadersSchema>;

/** The headers an origin of a pool gets: the pool's, then the origin's (which win), names lowercased. */
export function mergedHeaders(pool: OriginHeaders | undefined, origin: OriginHeaders | undefined): [string, HeaderValue][] {
  const merged = new Map<string, HeaderValue>();
  for (const source of [pool, origin]) {
    if (source === undefined) continue;
    for (const [name, value] of Object.entries(source)) merged.set(name.toLowerCase(), value);
  }
  return [...merged];
}

/** One problem, shaped as validate.ts's ConfigIssue (not imported: validate.ts imports the schema, which imports this file). */
interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/** What the Worker has bound, as the binding checks see it. */
export interface BindingLookup {
  /** The secret's value, or undefined when the Worker has no such secret (or it is not text). */
  secret(name: string): string | undefined;
  /** Whether an mTLS certificate binding (something with `fetch`) of this name exists. */
  hasMtlsCertificate(name: string): boolean;
}

/** Where a document's header maps and mTLS names live, as the binding checks read them. */
interface WithBindings {
  readonly origins: readonly { readonly headers?: OriginHeaders | undefined; readonly mtlsCertificate?: string | undefined }[];
  readonly pools: readonly { readonly headers?: OriginHeaders | undefined }[];
}

function headerIssues(headers: OriginHeaders | undefined, path: string, lookup: BindingLookup, issues: ConfigIssue[]): void {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (typeof value === "string") continue;
    const secret = lookup.secret(value.secret);
    if (secret === undefined)
      issues.push({
        path: `${path}.headers.${name}`,
        message: `secret "${value.secret}" is not set in this Worker (wrangler secret put ${value.secret}; locally .dev.vars or --var)`,
      });
    // The value itself is never written into the message.
    else if (headerValueProblem(secret) !== undefined)
      issues.push({ path: `${path}.headers.${name}`, message: `secret "${value.secret}" holds a line break or control character` });
  }
}

/**
 * Secrets and mTLS bindings the document names but the Worker does not have: each a
 * validation error naming the field and the binding, so a document that would send
 * requests without their credentials is refused before it is stored.
 */
export function bindingIssues(config: WithBindings, lookup: BindingLookup): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  config.origins.forEach((origin, i) => {
    headerIssues(origin.headers, `origins[${i}]`, lookup, issues);
    const mtls = origin.mtlsCertificate;
    if (mtls !== undefined && !lookup.hasMtlsCertificate(mtls))
      issues.push({
        path: `origins[${i}].mtlsCertificate`,
        message: `no mtls_certificates binding "${mtls}" in this Worker (add it to wrangler.toml; the local runtime has no mTLS bindings, so mTLS origins work only when deployed)`,
      });
  });
  config.pools.forEach((pool, i) => {
    headerIssues(pool.headers, `pools[${i}]`, lookup, issues);
  });
  return issues;
}
