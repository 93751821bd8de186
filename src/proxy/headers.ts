/**
 * Header hygiene for forwarding, per RFC 9110. A proxy removes the connection-specific
 * fields (§7.6.1: Connection and every field it names, plus Proxy-Connection,
 * Keep-Alive, TE, Transfer-Encoding and Upgrade) in both directions (a WebSocket
 * handshake keeps `Upgrade: websocket`, RFC 9110 §7.8), and tells the origin about the
 * client the way nginx, Envoy and Cloudflare do:
 *
 * - `X-Forwarded-For` and, on routes with `forwarded: true`, `Forwarded` (RFC 7239) are
 *   appended to: the client's own value
 *   comes first, then the address Cloudflare saw (cf-connecting-ip). What a client wrote
 *   there is kept for the origin to judge, never trusted by Edgeway: geo steering reads
 *   request.cf and the IP hash reads cf-connecting-ip, which a client cannot set.
 * - `X-Forwarded-Proto` and `X-Forwarded-Host` are replaced: they describe this hop only.
 * - `x-request-id` is the request's id; `traceparent` is set per try (a new span);
 *   `tracestate` goes on only with the client's own valid traceparent (W3C §3.3.1).
 *
 * The Host header is the origin's (Workers send the URL's host; see the origin's `host`).
 */
import { HOP_BY_HOP } from "../config/origin-headers.ts";
import { applyHeaderEdits } from "./header-edits.ts";
import type { HeaderEdits } from "./header-edits.ts";
import { DEBUG_GEO_HEADER } from "../routing/client.ts";
import { LOAD_REPORT_BIN_HEADER, LOAD_REPORT_HEADER } from "../steering/load-report.ts";
import { REQUEST_ID_HEADER } from "../routing/request-id.ts";

/** RFC 9110 §5.6.2 token: what a connection option must be. Anything else is ignored, not an error. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export interface ForwardedFor {
  readonly clientIp: string | undefined;
  /** "http" or "https": the scheme the client used. */
  readonly proto: string;
  /** The Host the client asked for. */
  readonly host: string;
  /** Whether to append this hop's RFC 7239 `Forwarded` element (the route's `forwarded`); absent: yes. */
  readonly rfc7239?: boolean | undefined;
  /**
   * Fields an earlier stage already read and found absent (Upgrade, the debug geo header),
   * whose removal is then skipped: every Headers call crosses into the runtime.
   */
  readonly absent?: { readonly upgrade: boolean; readonly debugGeo: boolean } | undefined;
}

/** The request's id and whether the client's trace context goes on (see request-identity.ts). */
export interface ForwardedIdentity {
  readonly requestId: string;
  readonly clientRequestId: boolean;
  readonly continued: boolean;
  /** True where no trace is sent (a `traceContext: "continue"` route without a valid traceparent). */
  readonly noTrace?: boolean;
  /** With noTrace: the client's traceparent was there but malformed (removed, with its tracestate). */
  readonly malformedTrace?: boolean;
}

/** An RFC 7239 node or host value: a token as it is, anything else (IPv6, a port) quoted. */
function forwardedValue(value: string, ip: boolean): string {
  if (ip && value.includes(":")) return `"[${value}]"`;
  return TOKEN.test(value) ? value : `"${value.replace(/["\\]/g, "")}"`;
}

/** This hop's RFC 7239 Forwarded element. */
export function forwardedElement(forwarded: ForwardedFor): string {
  const head = forwarded.clientIp === undefined ? "" : `for=${forwardedValue(forwarded.clientIp, true)};`;
  return `${head}host=${forwardedValue(forwarded.host, false)};proto=${forwarded.proto}`;
}

/** Connection options the runtime handles itself when it writes a message. */
const RUNTIME_CONNECTION_OPTIONS = /^\s*(?:(?:keep-alive|close)\s*(?:,\s*|$))*$/i;

/**
 * The hop-by-hop fields workerd writes itself on a response to the client, dropping the
 * response's own (so does Cloudflare's edge); it never sends TE in a response.
 */
const RUNTIME_WRITES_TO_CLIENT: ReadonlySet<string> = new Set(["connection", "keep-alive", "transfer-encoding", "te"]);
/** The rest of HOP_BY_HOP: passed on to the client unless Edgeway removes them. */
const LEFT_TO_EDGEWAY = HOP_BY_HOP.filter((name) => !RUNTIME_WRITES_TO_CLIENT.has(name));

/**
 * The hop-by-hop fields workerd's fetch never sends to an origin: it writes its own
 * Connection, Keep-Alive, TE, Transfer-Encoding and (for a WebSocket) Upgrade, and drops
 * Trailer. Measured: test/e2e/proxy.test.ts sends all of them through a plain `fetch`.
 * Proxy-Connection and the fields a Connection header names do reach the origin.
 */
const RUNTIME_WRITES_TO_ORIGIN: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "te",
  "transfer-encoding",
  "trailer",
  "upgrade",
]);

/**
 * Removes the hop-by-hop fields of RFC 9110 §7.6.1 from `headers`, leaving to the runtime
 * the fields it writes itself: one read of Connection plus a look per field in `left`,
 * instead of a delete per hop-by-hop field (each Headers call crosses into the runtime:
 * the request path's cost). `source` is what `headers` was copied from, unchanged: reading
 * the message as it came costs less than editing the fresh copy, so the copy is edited
 * only for the fields that are there (almost never any).
 */
function stripLeftToEdgeway(headers: Headers, runtimeWrites: ReadonlySet<string>, left: readonly string[], source = headers): void {
  const connection = source.get("connection");
  if (connection !== null && !RUNTIME_CONNECTION_OPTIONS.test(connection)) {
    for (const name of connection.split(",")) {
      const trimmed = name.trim().toLowerCase();
      if (TOKEN.test(trimmed) && !runtimeWrites.has(trimmed)) headers.delete(trimmed);
    }
  }
  for (const name of left) if (source.has(name)) headers.delete(name);
}

/**
 * Removed from the request to the origin by Edgeway: Proxy-Connection, and Upgrade, which
 * the runtime would act on (`Upgrade: websocket` makes a fetch a WebSocket handshake): a
 * handshake sets its own (originRequestHeaders).
 */
const LEFT_TO_EDGEWAY_FOR_ORIGIN = ["proxy-connection", "upgrade"];

/** LEFT_TO_EDGEWAY_FOR_ORIGIN for a request known to carry no Upgrade field. */
const LEFT_TO_EDGEWAY_FOR_ORIGIN_NO_UPGRADE = ["proxy-connection"];

/**
 * Hop-by-hop hygiene for the request to the origin (RFC 9110 §7.6.1), the runtime doing its
 * share; `source`: the client's headers `headers` was copied from (read instead of the copy).
 */
export function stripHopByHopForOrigin(headers: Headers, noUpgrade = false, source = headers): void {
  stripLeftToEdgeway(
    headers,
    RUNTIME_WRITES_TO_ORIGIN,
    noUpgrade ? LEFT_TO_EDGEWAY_FOR_ORIGIN_NO_UPGRADE : LEFT_TO_EDGEWAY_FOR_ORIGIN,
    source,
  );
}

/**
 * Hop-by-hop hygiene for the response to the client (RFC 9110 §7.6.1), the runtime doing its
 * share; `source`: the origin's headers `headers` was copied from (read instead of the copy).
 */
export function stripHopByHopForClient(headers: Headers, source = headers): void {
  stripLeftToEdgeway(headers, RUNTIME_WRITES_TO_CLIENT, LEFT_TO_EDGEWAY, source);
}

/**
 * Whether an origin's response carries connection-specific fields that only Edgeway can
 * remove. workerd writes Connection, Keep-Alive and Transfer-Encoding to the client itself
 * and drops the response's own (so does Cloudflare's edge); it passes on Proxy-Connection
 * and any field a Connection header names, and Trailer and Upgrade are not worth the risk.
 */
export function hasHopByHopToStrip(headers: Headers): boolean {
  const connection = headers.get("connection");
  if (connection !== null && !RUNTIME_CONNECTION_OPTIONS.test(connection)) return true;
  for (const name of LEFT_TO_EDGEWAY) if (headers.has(name)) return true;
  return false;
}

/** An origin's load report fields (ORCA): for Edgeway, never for the client. */
const LOAD_REPORT_FIELDS = [LOAD_REPORT_HEADER, LOAD_REPORT_BIN_HEADER];

/** Whether an origin's response carries a load report Edgeway must remove before the client sees it. */
export function hasLoadReport(headers: Headers): boolean {
  return headers.has(LOAD_REPORT_HEADER) || headers.has(LOAD_REPORT_BIN_HEADER);
}

/** Removes the origin's load report: it tells Edgeway how busy the origin is, which is no client's business. `source` as for stripHopByHopForClient. */
export function stripLoadReport(headers: Headers, source = headers): void {
  for (const name of LOAD_REPORT_FIELDS) if (source.has(name)) headers.delete(name);
}

/**
 * Headers for the request to the origin (without the per-try traceparent). `websocket`
 * keeps the Upgrade field of a WebSocket handshake; `edits` (the route's
 * RequestHeaderModifier) are made on the same copy, last: they never name a field set above.
 */
export function originRequestHeaders(
  incoming: Headers,
  forwarded: ForwardedFor,
  identity?: ForwardedIdentity,
  websocket = false,
  edits?: HeaderEdits,
): Headers {
  // Every read below is of the client's headers as they came (cheaper than the copy's).
  const headers = new Headers(incoming);
  const absent = forwarded.absent;
  stripHopByHopForOrigin(headers, absent?.upgrade === true, incoming);
  if (websocket) headers.set("upgrade", "websocket");
  headers.delete("host");
  if (absent?.debugGeo !== true) headers.delete(DEBUG_GEO_HEADER);
  if (forwarded.clientIp !== undefined) {
    const prior = incoming.get("x-forwarded-for");
    headers.set("x-forwarded-for", prior === null || prior.trim() === "" ? forwarded.clientIp : `${prior}, ${forwarded.clientIp}`);
  }
  headers.set("x-forwarded-proto", forwarded.proto);
  headers.set("x-forwarded-host", forwarded.host);
  if (forwarded.rfc7239 !== false) {
    const element = forwardedElement(forwarded);
    const prior = incoming.get("forwarded");
    headers.set("forwarded", prior === null || prior.trim() === "" ? element : `${prior}, ${element}`);
  }
  if (identity !== undefined) {
    if (!identity.clientRequestId) headers.set(REQUEST_ID_HEADER, identity.requestId);
    if (!identity.continued) {
      if (identity.noTrace !== true) {
        // A new trace: the client's tracestate belongs to no trace it continues (W3C §3.3.1).
        if (incoming.has("tracestate")) headers.delete("tracestate");
      } else if (identity.malformedTrace === true) {
        // No trace started: a malformed traceparent is never forwarded, nor its tracestate.
        headers.delete("traceparent");
        headers.delete("tracestate");
      }
    }
  }
  if (edits !== undefined) applyHeaderEdits(headers, edits);
  return headers;
}
