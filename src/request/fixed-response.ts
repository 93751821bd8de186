/**
 * Stage `fixed-response` (routes with a FixedResponse filter, Cloudflare Load Balancing's
 * `fixed_response`): answers at the edge with the configured status, content type, body
 * and Location; no origin is contacted. Everything but the request's id is prepared once,
 * when the plan is compiled — the body's bytes, the header list with the route's
 * ResponseHeaderModifier edits made — so a request costs one new Response and one header.
 */
import type { CompiledRoute } from "../config/compile.ts";
import type { FixedResponse } from "../config/filter-schema.ts";
import { filterOf } from "../config/filter-schema.ts";
import { applyHeaderEdits } from "../proxy/header-edits.ts";
import type { HeaderEdits } from "../proxy/header-edits.ts";
import { REQUEST_ID_HEADER } from "../routing/request-id.ts";
import { routeResponseEdits } from "./response-headers.ts";
import { requestMetrics } from "./series.ts";
import type { Stage } from "./stage.ts";

/** Content-Type of a body given without one. */
export const DEFAULT_FIXED_CONTENT_TYPE = "text/plain; charset=utf-8";

/** Statuses whose responses carry no body (RFC 9110 §15.3.5, §15.3.6, §15.4.5). */
const NO_BODY_STATUSES: ReadonlySet<number> = new Set([204, 205, 304]);

/** A fixed response as every request gets it. */
export interface PreparedFixedResponse {
  readonly status: number;
  readonly body: Uint8Array | null;
  readonly headers: readonly (readonly [string, string])[];
}

/** A Location as a header carries it: a URL or an absolute path, percent-encoded. */
function encodeLocation(location: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(location)) return new URL(location).href;
  const url = new URL(location, "http://edgeway.invalid");
  return url.pathname + url.search + url.hash;
}

/** The response the filter answers with, its headers edited by `edits` (the route's response edits). */
export function prepareFixedResponse(fixed: FixedResponse, edits: HeaderEdits | undefined): PreparedFixedResponse {
  const bytes = fixed.body === undefined || NO_BODY_STATUSES.has(fixed.statusCode) ? null : new TextEncoder().encode(fixed.body);
  const headers = new Headers();
  const contentType = fixed.contentType ?? (bytes !== null && bytes.byteLength > 0 ? DEFAULT_FIXED_CONTENT_TYPE : undefined);
  if (contentType !== undefined) headers.set("content-type", contentType);
  if (fixed.location !== undefined) headers.set("location", encodeLocation(fixed.location));
  if (edits !== undefined) applyHeaderEdits(headers, edits);
  return { status: fixed.statusCode, body: bytes, headers: [...headers] };
}

/** The route's FixedResponse filter, if any. */
export function fixedResponseOf(route: CompiledRoute): FixedResponse | undefined {
  return filterOf(route.source.filters, "FixedResponse")?.fixedResponse;
}

/** The stage, or undefined when the route does not answer with a fixed response. */
export function fixedResponseStage(route: CompiledRoute): Stage | undefined {
  const fixed = fixedResponseOf(route);
  if (fixed === undefined) return undefined;
  const { status, body, headers } = prepareFixedResponse(fixed, routeResponseEdits(route));
  const answered = requestMetrics.route(route).answered(status);
  return {
    name: "fixed response",
    run(context) {
      answered.inc();
      // The body's bytes are copied into each response (a Response takes its own copy of a buffer).
      const response = new Response(body, { status, headers: headers as [string, string][] });
      response.headers.set(REQUEST_ID_HEADER, context.identity.requestId);
      return response;
    },
  };
}
