// The load test's floor for a proxy under Edgeway's contract (npm run loadtest): a module
// worker that forwards every request to one origin doing only what every proxied request
// must get, whatever the routing: hop-by-hop fields removed both ways (RFC 9110 §7.6.1),
// X-Forwarded-For/-Proto/-Host added, a timeout on the wait for response headers (a
// Workers fetch has none of its own), and x-edgeway-origin and server-timing on the
// response. No routing, steering, health, retries or metrics. Edgeway ÷ this is what the
// routing costs; this ÷ the pass-through worker is what the contract costs.
//
// The LEAVE_OUT variable ("forwarding", "timeout" or "response") drops one piece, so that
// `npm run loadtest -- --only passthrough,minimal,minimal-no-…` prices each piece in one run.
const HOP_BY_HOP = ["connection", "proxy-connection", "keep-alive", "te", "transfer-encoding", "upgrade", "trailer"];
const TIMEOUT_MS = 15_000;

// As Edgeway's src/proxy/headers.ts does it (kept self-contained here: this worker is a reference, not Edgeway).
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function stripHopByHop(headers) {
  const connection = headers.get("connection");
  if (connection !== null) {
    for (const name of connection.split(",")) {
      const trimmed = name.trim();
      if (TOKEN.test(trimmed)) headers.delete(trimmed);
    }
  }
  for (const name of HOP_BY_HOP) headers.delete(name);
}

export default {
  async fetch(request, env) {
    const started = Date.now();
    const leaveOut = env.LEAVE_OUT ?? "";
    const url = new URL(request.url);
    let headers = request.headers;
    if (leaveOut !== "forwarding") {
      headers = new Headers(request.headers);
      stripHopByHop(headers);
      headers.delete("host");
      const ip = request.headers.get("cf-connecting-ip");
      if (ip !== null) headers.set("x-forwarded-for", ip);
      headers.set("x-forwarded-proto", url.protocol.slice(0, -1));
      headers.set("x-forwarded-host", url.host);
    }
    const init = { method: request.method, headers, body: request.body, redirect: "manual" };
    let upstream;
    if (leaveOut === "timeout") {
      upstream = await fetch(env.ORIGIN + url.pathname + url.search, init);
    } else {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
      try {
        upstream = await fetch(env.ORIGIN + url.pathname + url.search, { ...init, signal: controller.signal });
      } catch {
        return new Response("origin unreachable or timed out", { status: 502 });
      } finally {
        clearTimeout(timer);
      }
    }
    if (leaveOut === "response") return upstream;
    const response = new Response(upstream.body, upstream);
    stripHopByHop(response.headers);
    response.headers.set("x-edgeway-origin", "o1");
    response.headers.set("server-timing", `edgeway;dur=${Date.now() - started}`);
    return response;
  },
};
