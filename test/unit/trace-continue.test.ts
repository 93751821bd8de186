/**
 * A route's `traceContext: "continue"`: only a valid client traceparent is continued; a
 * request without one gets no trace (one header read), a malformed one is removed with its
 * tracestate. The request id is the same as with "start".
 */
import { describe, expect, it } from "vitest";
import { originRequestHeaders } from "../../src/proxy/headers.ts";
import { requestIdentity } from "../../src/proxy/request-identity.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const VALID = `00-${TRACE}-00f067aa0ba902b7-01`;
const FORWARDED = { clientIp: "203.0.113.7", proto: "https", host: "app.test" };

describe('requestIdentity(headers, "continue")', () => {
  it("makes no trace for a request without one, and tells a malformed traceparent from none", () => {
    const none = requestIdentity(new Headers(), "continue");
    expect(none.trace).toBeUndefined();
    expect(none.continued).toBe(false);
    expect(none.noTrace).toBe(true);
    expect(none.malformedTrace).toBe(false);
    expect(none.requestId).toMatch(/^[0-9a-f]{32}$/);
    const malformed = requestIdentity(new Headers({ traceparent: "00-zz-11-01" }), "continue");
    expect(malformed.trace).toBeUndefined();
    expect(malformed.malformedTrace).toBe(true);
  });

  it("continues a valid one exactly as the default does, and keeps a valid client id", () => {
    const headers = new Headers({ traceparent: VALID, "x-request-id": "client-7" });
    const continued = requestIdentity(headers, "continue");
    expect(continued).toEqual(requestIdentity(headers));
    expect(continued.trace?.traceId).toBe(TRACE);
    expect(continued.requestId).toBe("client-7");
  });

  it("starts a trace by default for the same requests", () => {
    expect(requestIdentity(new Headers()).trace?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(requestIdentity(new Headers({ traceparent: "00-zz-11-01" })).trace?.traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe("the origin's trace fields on a continue route", () => {
  it("passes a tracestate on untouched when no trace is sent", () => {
    const incoming = new Headers({ tracestate: "vendor=abc" });
    const out = originRequestHeaders(incoming, FORWARDED, requestIdentity(incoming, "continue"));
    expect(out.get("tracestate")).toBe("vendor=abc");
    expect(out.get("traceparent")).toBeNull();
  });

  it("removes a malformed traceparent and its tracestate", () => {
    const incoming = new Headers({ traceparent: "00-zz-11-01", tracestate: "vendor=abc" });
    const out = originRequestHeaders(incoming, FORWARDED, requestIdentity(incoming, "continue"));
    expect(out.get("traceparent")).toBeNull();
    expect(out.get("tracestate")).toBeNull();
  });

  it("drops the tracestate of a request whose new trace the default starts (W3C §3.3.1)", () => {
    const incoming = new Headers({ tracestate: "vendor=abc" });
    const out = originRequestHeaders(incoming, FORWARDED, requestIdentity(incoming));
    expect(out.get("tracestate")).toBeNull();
  });
});
