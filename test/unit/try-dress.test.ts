/** Per-try request fields: a new span per try of one trace, origin extras set and put back. */
import { describe, expect, it } from "vitest";
import { parseOriginBase } from "../../src/config/origin-url.ts";
import { originTarget } from "../../src/config/origin-host.ts";
import type { OriginExtras } from "../../src/proxy/origin-extras.ts";
import { randomHex, requestIdentity } from "../../src/proxy/request-identity.ts";
import { dressTry } from "../../src/proxy/try-dress.ts";

const TRACE = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", flags: "01" };
const request = new URL("http://app.test/items?x=1");

describe("dressTry", () => {
  it("gives every try a new span of the same trace", () => {
    const headers = new Headers();
    const base = parseOriginBase("http://127.0.0.1:9101/base");
    const first = dressTry(headers, base, request, undefined, TRACE);
    const firstParent = headers.get("traceparent");
    const second = dressTry(headers, base, request, undefined, TRACE);
    expect(first.url).toBe("http://127.0.0.1:9101/base/items?x=1");
    expect(firstParent).toBe(`00-${TRACE.traceId}-${first.spanId}-01`);
    expect(headers.get("traceparent")).toBe(`00-${TRACE.traceId}-${second.spanId}-01`);
    expect(first.spanId).not.toBe(second.spanId);
    expect(first.undo).toBeUndefined();
  });

  it("sets an origin's headers for its try only, putting the client's values back after", () => {
    const headers = new Headers({ "x-key": "from-client", accept: "*/*" });
    const extras: OriginExtras = {
      headers: [
        ["x-key", "secret-value"],
        ["x-team", "edge"],
      ],
      target: originTarget(new URL("http://127.0.0.1:9101"), "api.example.com"),
      fetcher: undefined,
    };
    const dressed = dressTry(headers, parseOriginBase("http://127.0.0.1:9101"), request, extras, undefined);
    expect(headers.get("x-key")).toBe("secret-value");
    expect(headers.get("x-team")).toBe("edge");
    expect(headers.get("host")).toBe("api.example.com:9101");
    dressed.undo?.();
    expect([...headers]).toEqual([
      ["accept", "*/*"],
      ["x-key", "from-client"],
    ]);
  });

  it("fetches the host name and resolves the origin's name for a named origin with host", () => {
    const extras: OriginExtras = {
      headers: [],
      target: originTarget(new URL("https://o.example.net"), "api.example.com"),
      fetcher: undefined,
    };
    const dressed = dressTry(new Headers(), parseOriginBase("https://o.example.net/v1"), request, extras, undefined);
    expect(dressed.url).toBe("https://api.example.com/v1/items?x=1");
    expect(dressed.cf).toEqual({ resolveOverride: "o.example.net" });
  });
});

describe("requestIdentity", () => {
  it("keeps a valid id and trace; makes new ones otherwise", () => {
    const kept = requestIdentity(new Headers({ "x-request-id": "abc", traceparent: `00-${TRACE.traceId}-00f067aa0ba902b7-00` }));
    expect(kept).toEqual({ requestId: "abc", clientRequestId: true, trace: { traceId: TRACE.traceId, flags: "00" }, continued: true });
    const made = requestIdentity(new Headers({ "x-request-id": "no spaces allowed", traceparent: "junk" }));
    expect(made.requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(made.clientRequestId).toBe(false);
    expect(made.trace?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(made.continued).toBe(false);
  });

  it("draws distinct hex across a refill of the random pool", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(randomHex(16));
    expect(seen.size).toBe(1000);
    expect([...seen].every((id) => /^[0-9a-f]{32}$/.test(id))).toBe(true);
  });
});
