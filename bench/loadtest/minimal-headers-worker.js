// The load test's second floor (npm run loadtest -- --only …,minimal-headers): the minimal
// worker (minimal-worker.js) plus the header work Edgeway does on every proxied request
// whatever its route, written straight through with no routing, steering, health, retries
// or records: the request id (read, or made, and sent both ways), W3C trace context (a valid
// traceparent continued, else a new trace; a new span per try; tracestate dropped with a
// new trace), X-Forwarded-For appended to (Forwarded is a route option, off by default, so
// not here), the hop-by-hop fields
// looked for rather than deleted blind, the origin's load report removed, and
// x-edgeway-origin with a two-entry server-timing on the response. It spreads requests
// over the origins in ORIGINS (comma-separated) as a weighted pool would.
//
// Edgeway ÷ this is what routing, steering, health, retries and records cost; this ÷ the
// minimal worker is what Edgeway's per-request headers cost over the contract's.
//
// LEAVE_OUT ("ids", "looks" or "spread") drops one piece, so that `npm run loadtest --
// --only minimal,minimal-headers,minimal-headers-no-…` prices each in one run: the request
// id and trace context; the looks for hop-by-hop fields and the load report (a has() per
// field); the spread over three origins (all to the first, as the minimal worker does).
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const RUNTIME_CONNECTION_OPTIONS = /^\s*(?:(?:keep-alive|close)\s*(?:,\s*|$))*$/i;
const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;
const TRACEPARENT = /^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;
const TIMEOUT_MS = 15_000;
const TO_CLIENT = ["proxy-connection", "trailer", "upgrade", "endpoint-load-metrics", "endpoint-load-metrics-bin"];
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const pool = new Uint8Array(4096);
let next = pool.length;
let turn = 0;

function randomHex(bytes) {
  if (next + bytes > pool.length) {
    crypto.getRandomValues(pool);
    next = 0;
  }
  let out = "";
  for (let i = next; i < next + bytes; i++) out += HEX[pool[i]];
  next += bytes;
  return out;
}

/** Removes what the Connection field names (the runtime writes its own Connection). */
function stripNamed(out, connection) {
  if (connection === null || RUNTIME_CONNECTION_OPTIONS.test(connection)) return;
  for (const name of connection.split(",")) {
    const trimmed = name.trim().toLowerCase();
    if (TOKEN.test(trimmed)) out.delete(trimmed);
  }
}

export default {
  async fetch(request, env) {
    const started = Date.now();
    const leaveOut = env.LEAVE_OUT ?? "";
    const ids = leaveOut !== "ids";
    const looks = leaveOut !== "looks";
    const incoming = request.headers;
    const given = ids ? incoming.get("x-request-id") : null;
    const ownId = given !== null && REQUEST_ID.test(given);
    const parent = ids ? TRACEPARENT.exec(incoming.get("traceparent") ?? "") : null;
    const id = ownId ? given : randomHex(16);
    const traceId = parent === null ? (ownId ? randomHex(16) : id) : parent[1];
    const ip = incoming.get("cf-connecting-ip");
    const url = new URL(request.url);
    const host = url.host;
    const proto = url.protocol.slice(0, -1);

    const headers = new Headers(incoming);
    stripNamed(headers, incoming.get("connection"));
    if (looks && incoming.has("proxy-connection")) headers.delete("proxy-connection");
    if (looks && incoming.has("upgrade")) headers.delete("upgrade");
    headers.delete("host");
    if (ip !== null) {
      const prior = incoming.get("x-forwarded-for");
      headers.set("x-forwarded-for", prior === null || prior.trim() === "" ? ip : `${prior}, ${ip}`);
    }
    headers.set("x-forwarded-proto", proto);
    headers.set("x-forwarded-host", host);
    // RFC 7239 Forwarded is a route option, off by default (docs/routing.md): not here either.
    if (ids) {
      if (!ownId) headers.set("x-request-id", id);
      if (parent === null && incoming.has("tracestate")) headers.delete("tracestate");
      headers.set("traceparent", `00-${traceId}-${randomHex(8)}-01`);
    }

    const origins = env.ORIGINS.split(",");
    const index = leaveOut === "spread" ? 0 : turn++ % origins.length;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    const sentAt = Date.now();
    let upstream;
    try {
      upstream = await fetch(origins[index] + url.pathname + url.search, {
        method: request.method,
        headers,
        body: request.body,
        redirect: "manual",
        signal: controller.signal,
      });
    } catch {
      return new Response("origin unreachable or timed out", { status: 502, headers: { "x-request-id": id } });
    } finally {
      clearTimeout(timer);
    }
    const response = new Response(upstream.body, upstream);
    const out = response.headers;
    const theirs = upstream.headers;
    stripNamed(out, theirs.get("connection"));
    if (looks) for (const name of TO_CLIENT) if (theirs.has(name)) out.delete(name);
    const origin = `o${index + 1}`;
    out.set("x-edgeway-origin", origin);
    out.append("server-timing", `edgeway;dur=${Date.now() - started}, origin;dur=${Date.now() - sentAt};desc="${origin}"`);
    if (ids) out.set("x-request-id", id);
    return response;
  },
};
