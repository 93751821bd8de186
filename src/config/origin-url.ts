/**
 * Where a request goes on an origin: the origin URL's scheme, host and port, its path as a
 * prefix, then the request's path and query. The origin URL is parsed once, when the
 * config is compiled; joining per request is string concatenation.
 */

/** An origin URL split for joining. */
export interface OriginBase {
  /** "http://127.0.0.1:9101": scheme, host and port. */
  readonly origin: string;
  /** The origin URL's path without a trailing slash ("" or "/base"). */
  readonly pathPrefix: string;
}

/** Splits an origin URL (already validated as http(s) without query or fragment). */
export function parseOriginBase(url: string): OriginBase {
  const parsed = new URL(url);
  const path = parsed.pathname.endsWith("/") ? parsed.pathname.slice(0, -1) : parsed.pathname;
  return { origin: parsed.origin, pathPrefix: path };
}

/**
 * The URL for `request` on the origin. The request's pathname is already normalised and
 * percent-encoded by the URL parser, and always starts with "/", so a path that looks like
 * a host ("//evil.example/x") stays a path on the origin.
 */
export function originUrl(base: OriginBase, request: URL): string {
  return base.origin + base.pathPrefix + request.pathname + request.search;
}
