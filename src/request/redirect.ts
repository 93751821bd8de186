/**
 * Stage `redirect` (routes with a RequestRedirect filter, Gateway API
 * HTTPRequestRedirectFilter): answers at the edge with the status code and a Location
 * built from the request; no origin is contacted. As the Gateway API specifies:
 *
 * - `scheme`, `hostname`, `path` absent: the request's own; the query string is kept.
 * - `port` absent: with a `scheme`, that scheme's well-known port (80, 443); without, the
 *   port the request came to (Edgeway's listener port).
 * - The port is left out of Location when it is the scheme's well-known one.
 * - `path`: ReplaceFullPath, or ReplacePrefixMatch on the matched PathPrefix's whole segments.
 *
 * The response carries the request's id and the route's ResponseHeaderModifier edits, as
 * Envoy applies a route's response headers to its redirects.
 */
import type { CompiledRoute } from "../config/compile.ts";
import type { RequestRedirect } from "../config/filter-schema.ts";
import { filterOf } from "../config/filter-schema.ts";
import type { PathMatch } from "../config/match-schema.ts";
import { applyHeaderEdits } from "../proxy/header-edits.ts";
import { REQUEST_ID_HEADER } from "../routing/request-id.ts";
import { routeResponseEdits } from "./response-headers.ts";
import { encodeModifier, modifyPath } from "./rewrite.ts";
import type { PathModifier } from "./rewrite.ts";
import { requestMetrics } from "./series.ts";
import type { Stage } from "./stage.ts";

const WELL_KNOWN_PORTS: Readonly<Record<string, string>> = { http: "80", https: "443" };

/** A redirect as the stage applies it: the path modifier's value already a URL path. */
export interface PreparedRedirect {
  readonly scheme: "http" | "https" | undefined;
  readonly hostname: string | undefined;
  readonly port: number | undefined;
  readonly path: PathModifier | undefined;
}

/** The filter as the stage applies it (done once, when the plan is compiled). */
export function prepareRedirect(redirect: RequestRedirect): PreparedRedirect {
  return {
    scheme: redirect.scheme,
    hostname: redirect.hostname?.toLowerCase(),
    port: redirect.port,
    path: redirect.path === undefined ? undefined : encodeModifier(redirect.path),
  };
}

/** The Location a request to `url` is sent to; `matched` is the path match that held. */
export function redirectLocation(redirect: PreparedRedirect, url: URL, matched: PathMatch): string {
  const requestScheme = url.protocol.slice(0, -1);
  const scheme = redirect.scheme ?? requestScheme;
  let port: string;
  if (redirect.port !== undefined) port = String(redirect.port);
  else if (redirect.scheme !== undefined) port = WELL_KNOWN_PORTS[scheme] ?? "";
  // The URL parser leaves the port empty when it is the scheme's default.
  else port = url.port === "" ? (WELL_KNOWN_PORTS[requestScheme] ?? "") : url.port;
  const host = redirect.hostname ?? url.hostname;
  const authority = port === "" || port === WELL_KNOWN_PORTS[scheme] ? host : `${host}:${port}`;
  const path = redirect.path === undefined ? url.pathname : modifyPath(redirect.path, url.pathname, matched);
  return `${scheme}://${authority}${path}${url.search}`;
}

/** The route's RequestRedirect filter, if any. */
export function requestRedirectOf(route: CompiledRoute): RequestRedirect | undefined {
  return filterOf(route.source.filters, "RequestRedirect")?.requestRedirect;
}

/** The stage, or undefined when the route does not redirect. */
export function redirectStage(route: CompiledRoute): Stage | undefined {
  const filter = requestRedirectOf(route);
  if (filter === undefined) return undefined;
  const redirect = prepareRedirect(filter);
  const status = filter.statusCode;
  const edits = routeResponseEdits(route);
  const answered = requestMetrics.route(route).answered(status);
  return {
    name: "redirect",
    run(context) {
      answered.inc();
      const response = new Response(null, { status });
      const headers = response.headers;
      headers.set("location", redirectLocation(redirect, context.url, context.matchedPath));
      headers.set(REQUEST_ID_HEADER, context.identity.requestId);
      if (edits !== undefined) applyHeaderEdits(headers, edits);
      return response;
    },
  };
}
