import { describe, expect, it } from "vitest";
import {
  forwardedElement,
  hasHopByHopToStrip,
  originRequestHeaders,
  stripHopByHopForClient,
  stripHopByHopForOrigin,
} from "../../src/proxy/headers.ts";
import { originUrl as join, parseOriginBase } from "../../src/config/origin-url.ts";

const originUrl = (base: string, request: URL): string => join(parseOriginBase(base), request);
import { DEBUG_GEO_HEADER } from "../../src/routing/client.ts";

const FORWARDED = { clientIp: "203.0.113.7", proto: "https", host: "api.example.com" } as const;

function names(headers: Headers): string[] {
  return [...headers.keys()].sort();
}

describe("originRequestHeaders", () => {
  it("appends the client to an existing x-forwarded-for", () => {
    const out = originRequestHeaders(new Headers({ "x-forwarded-for": "198.51.100.1, 198.51.100.2" }), FORWARDED);
    expect(out.get("x-forwarded-for")).toBe("198.51.100.1, 198.51.100.2, 203.0.113.7");
  });

  it("starts x-forwarded-for when there is none (or it is blank)", () => {
    expect(originRequestHeaders(new Headers(), FORWARDED).get("x-forwarded-for")).toBe("203.0.113.7");
    expect(originRequestHeaders(new Headers({ "x-forwarded-for": "  " }), FORWARDED).get("x-forwarded-for")).toBe("203.0.113.7");
  });

  it("leaves x-forwarded-for alone when the client ip is unknown", () => {
    expect(
      originRequestHeaders(new Headers({ "x-forwarded-for": "198.51.100.1" }), { ...FORWARDED, clientIp: undefined }).get(
        "x-forwarded-for",
      ),
    ).toBe("198.51.100.1");
    expect(originRequestHeaders(new Headers(), { ...FORWARDED, clientIp: undefined }).has("x-forwarded-for")).toBe(false);
  });

  it("sets x-forwarded-proto and x-forwarded-host, replacing what the client sent", () => {
    const out = originRequestHeaders(new Headers({ "x-forwarded-proto": "gopher", "x-forwarded-host": "evil.example" }), FORWARDED);
    expect(out.get("x-forwarded-proto")).toBe("https");
    expect(out.get("x-forwarded-host")).toBe("api.example.com");
  });

  it("removes host, the debug geo header and hop-by-hop fields; keeps the rest", () => {
    const incoming = new Headers({
      host: "api.example.com",
      [DEBUG_GEO_HEADER]: "country=DE",
      connection: "x-hop",
      "x-hop": "1",
      "keep-alive": "timeout=5",
      accept: "application/json",
      authorization: "Bearer t",
      cookie: "a=1; b=2",
    });
    const out = originRequestHeaders(incoming, FORWARDED);
    // Connection and Keep-Alive stay in the object: the runtime's fetch never sends them (test/e2e/proxy.test.ts).
    expect(names(out)).toEqual([
      "accept",
      "authorization",
      "connection",
      "cookie",
      "forwarded",
      "keep-alive",
      "x-forwarded-for",
      "x-forwarded-host",
      "x-forwarded-proto",
    ]);
    expect(out.get("cookie")).toBe("a=1; b=2");
  });

  it("does not change the incoming headers", () => {
    const incoming = new Headers({ host: "h", connection: "close", "x-forwarded-for": "1.1.1.1" });
    originRequestHeaders(incoming, FORWARDED);
    expect(names(incoming)).toEqual(["connection", "host", "x-forwarded-for"]);
    expect(incoming.get("x-forwarded-for")).toBe("1.1.1.1");
  });
});

describe("originUrl", () => {
  const req = (url: string): URL => new URL(url);

  it.each([
    ["http://127.0.0.1:9101", "https://api.example.com/users?id=7", "http://127.0.0.1:9101/users?id=7"],
    ["http://127.0.0.1:9101/", "https://api.example.com/users", "http://127.0.0.1:9101/users"],
    ["https://origin.example.com/base", "https://api.example.com/users?a=1&b=2", "https://origin.example.com/base/users?a=1&b=2"],
    ["https://origin.example.com/base/", "https://api.example.com/users/", "https://origin.example.com/base/users/"],
    ["https://origin.example.com/base", "https://api.example.com/", "https://origin.example.com/base/"],
    ["http://o.example:8080", "https://api.example.com/", "http://o.example:8080/"],
    ["http://o.example", "https://api.example.com/a%20b/%E2%82%AC?q=%26x", "http://o.example/a%20b/%E2%82%AC?q=%26x"],
  ])("%s + %s → %s", (base, request, expected) => {
    expect(originUrl(base, req(request))).toBe(expected);
  });

  it("keeps the origin's scheme, host and port, never the request's", () => {
    const url = new URL(originUrl("http://10.0.0.1:8080/base", req("https://api.example.com:8443/x")));
    expect(url.protocol).toBe("http:");
    expect(url.host).toBe("10.0.0.1:8080");
  });

  it("a path that looks like a host stays a path on the origin", () => {
    const url = new URL(originUrl("http://10.0.0.1:8080", req("https://api.example.com//evil.example/x")));
    expect(url.host).toBe("10.0.0.1:8080");
    expect(url.pathname).toBe("//evil.example/x");
  });

  it("drops an empty query and the fragment", () => {
    expect(originUrl("http://o.example", req("https://api.example.com/x?"))).toBe("http://o.example/x");
    expect(originUrl("http://o.example", req("https://api.example.com/x#frag"))).toBe("http://o.example/x");
  });
});

describe("hasHopByHopToStrip (what the runtime leaves to Edgeway)", () => {
  it("is false for the connection options the runtime writes itself", () => {
    for (const connection of [null, "keep-alive", "close", "Keep-Alive", " keep-alive , close ", ""]) {
      const headers = new Headers({ "content-type": "text/plain", "keep-alive": "timeout=5", "transfer-encoding": "chunked" });
      if (connection !== null) headers.set("connection", connection);
      expect(hasHopByHopToStrip(headers), `connection: ${String(connection)}`).toBe(false);
    }
  });

  it("is true when Connection names another field, or for Proxy-Connection, Trailer or Upgrade", () => {
    expect(hasHopByHopToStrip(new Headers({ connection: "keep-alive, x-hop", "x-hop": "1" }))).toBe(true);
    expect(hasHopByHopToStrip(new Headers({ connection: "x-hop" }))).toBe(true);
    expect(hasHopByHopToStrip(new Headers({ connection: "keep-alivex" }))).toBe(true);
    expect(hasHopByHopToStrip(new Headers({ "proxy-connection": "keep-alive" }))).toBe(true);
    expect(hasHopByHopToStrip(new Headers({ trailer: "x-checksum" }))).toBe(true);
    expect(hasHopByHopToStrip(new Headers({ upgrade: "websocket" }))).toBe(true);
  });
});

describe("stripping with the runtime doing its share", () => {
  const all = (): Headers =>
    new Headers({
      connection: "keep-alive, X-Hop, te",
      "x-hop": "1",
      "keep-alive": "timeout=5",
      te: "trailers",
      trailer: "x-checksum",
      upgrade: "h2c",
      "proxy-connection": "keep-alive",
      "x-app": "kept",
    });

  it("for the origin: removes Proxy-Connection, Upgrade and the fields Connection names, leaves what fetch never sends", () => {
    const headers = all();
    stripHopByHopForOrigin(headers);
    expect(headers.get("x-hop")).toBeNull();
    expect(headers.get("proxy-connection")).toBeNull();
    expect(headers.get("x-app")).toBe("kept");
    // Measured in test/e2e/proxy.test.ts: the runtime's fetch writes its own of these.
    expect(names(headers)).toEqual(["connection", "keep-alive", "te", "trailer", "x-app"]);
  });

  it("for the client: also removes Trailer and Upgrade, leaves what the runtime writes itself", () => {
    const headers = all();
    stripHopByHopForClient(headers);
    expect(names(headers)).toEqual(["connection", "keep-alive", "te", "x-app"]);
  });

  it("removes every field the Connection field names, in any case and spacing, both ways", () => {
    for (const strip of [stripHopByHopForOrigin, stripHopByHopForClient]) {
      const headers = new Headers({
        connection: "close,  X-Internal-Token ,x-trace,, ",
        "x-internal-token": "s3cret",
        "x-trace": "1",
        "x-keep": "1",
      });
      strip(headers);
      expect(names(headers), strip.name).toEqual(["connection", "x-keep"]);
    }
  });

  it("ignores a malformed Connection option and still removes the valid ones, both ways", () => {
    // RFC 9110 §7.6.1: connection options are tokens. "bad name" is not one, so there is no
    // such field to remove (and Headers.delete("bad name") would throw a TypeError).
    for (const strip of [stripHopByHopForOrigin, stripHopByHopForClient]) {
      const headers = new Headers({ connection: "close, x-secret, bad name", "x-secret": "1", "x-keep": "1" });
      expect(() => strip(headers), strip.name).not.toThrow();
      expect(names(headers), strip.name).toEqual(["connection", "x-keep"]);
    }
  });

  it("keeps every set-cookie field of a response separate", () => {
    const upstream = new Headers();
    upstream.append("set-cookie", "a=1; Path=/; HttpOnly");
    upstream.append("set-cookie", "b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT");
    upstream.append("content-type", "text/html");
    upstream.append("proxy-connection", "keep-alive");
    // As respond() does: the copy's own headers, edited in place.
    const out = new Response(null, { headers: upstream }).headers;
    stripHopByHopForClient(out);
    expect(out.getSetCookie()).toEqual(["a=1; Path=/; HttpOnly", "b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT"]);
    expect(out.get("content-type")).toBe("text/html");
    expect(upstream.get("proxy-connection")).toBe("keep-alive");
  });

  it("reads nothing more when Connection holds only keep-alive or close", () => {
    const headers = new Headers({ connection: "close", "x-app": "kept" });
    stripHopByHopForClient(headers);
    stripHopByHopForOrigin(headers);
    expect(names(headers)).toEqual(["connection", "x-app"]);
  });
});

describe("Forwarded (RFC 7239), request ids, tracestate and WebSocket handshakes", () => {
  it("appends this hop's element, quoting IPv6 and hosts with a port", () => {
    expect(forwardedElement(FORWARDED)).toBe("for=203.0.113.7;host=api.example.com;proto=https");
    expect(forwardedElement({ clientIp: "2001:db8::1", proto: "http", host: "app.test:8080" })).toBe(
      'for="[2001:db8::1]";host="app.test:8080";proto=http',
    );
    expect(forwardedElement({ clientIp: undefined, proto: "http", host: "a" })).toBe("host=a;proto=http");
    const out = originRequestHeaders(new Headers({ forwarded: "for=198.51.100.1" }), FORWARDED);
    expect(out.get("forwarded")).toBe("for=198.51.100.1, for=203.0.113.7;host=api.example.com;proto=https");
  });

  it("sets a new request id, keeps the client's own, and drops tracestate of a trace not continued", () => {
    const incoming = new Headers({ "x-request-id": "bad id", tracestate: "v=1" });
    const fresh = originRequestHeaders(incoming, FORWARDED, { requestId: "a".repeat(32), clientRequestId: false, continued: false });
    expect(fresh.get("x-request-id")).toBe("a".repeat(32));
    expect(fresh.has("tracestate")).toBe(false);
    const kept = originRequestHeaders(new Headers({ "x-request-id": "mine", tracestate: "v=1" }), FORWARDED, {
      requestId: "mine",
      clientRequestId: true,
      continued: true,
    });
    expect(kept.get("x-request-id")).toBe("mine");
    expect(kept.get("tracestate")).toBe("v=1");
  });

  it("keeps Upgrade: websocket for a WebSocket handshake only", () => {
    const incoming = new Headers({ upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "k" });
    expect(originRequestHeaders(incoming, FORWARDED, undefined, true).get("upgrade")).toBe("websocket");
    expect(originRequestHeaders(incoming, FORWARDED).has("upgrade")).toBe(false);
    expect(originRequestHeaders(incoming, FORWARDED, undefined, true).get("sec-websocket-key")).toBe("k");
  });
});
