/**
 * An origin's `host`: the name the origin must see in `Host` and as the TLS server name
 * (Cloudflare Load Balancing's `header.Host` origin option), while Edgeway still connects
 * to the address of the origin's URL. On Workers the only way to do both is to fetch a URL
 * whose host is `host` and name the origin URL's host in `cf.resolveOverride`: the
 * runtime then resolves that name instead, and sends `host` in the Host header and in TLS
 * SNI. Cloudflare honours resolveOverride only when both names are in the Worker's zone
 * (a CNAME in the zone can point at an outside origin), and ignores it locally.
 *
 * An origin URL that is an IP address or `localhost` cannot be a resolveOverride target
 * anywhere (and a deployed Worker cannot fetch an IP address at all), so such an origin
 * keeps its URL and `host` goes in the Host header only: the local runtime drops that
 * header, so locally the origin sees its URL's host (docs/config.md, "How the origin sees the request").
 */

/** How requests reach one origin: the scheme, host and port to fetch, and what to override. */
export interface OriginTarget {
  /** "https://api.example.com:8443": what the fetched URL starts with. */
  readonly origin: string;
  /** `cf.resolveOverride`: the name whose address Edgeway connects to, when not the URL's. */
  readonly resolveOverride: string | undefined;
  /** A Host header to set (IP and localhost origins only; dropped by the local runtime). */
  readonly hostHeader: string | undefined;
}

/** Whether a URL hostname is an IP literal or localhost: no name to resolve, locally only. */
export function isAddressHost(hostname: string): boolean {
  return hostname === "localhost" || hostname.startsWith("[") || /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname);
}

/** The fetch target of an origin whose URL is `url`, with the `host` option applied when given. */
export function originTarget(url: URL, host: string | undefined): OriginTarget {
  if (host === undefined || host === url.hostname) return { origin: url.origin, resolveOverride: undefined, hostHeader: undefined };
  const port = url.port === "" ? "" : `:${url.port}`;
  if (isAddressHost(url.hostname)) return { origin: url.origin, resolveOverride: undefined, hostHeader: `${host}${port}` };
  return { origin: `${url.protocol}//${host}${port}`, resolveOverride: url.hostname, hostHeader: undefined };
}
