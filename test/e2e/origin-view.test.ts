/**
 * How the origin sees a request through Edgeway, on workerd with real origins: request ids,
 * W3C trace context, Forwarded/X-Forwarded-*, configured headers with secret values (and
 * where the secret must never show), secrets and mTLS bindings checked at validation, and
 * the `host` option as the local runtime treats it.
 */
import { describe, inject, it } from "vitest";
import { admin, proxied, putConfig, useConfig } from "../worker/helpers.ts";

const origins = inject("protocolOrigins");
const p3 = origins.p3 ?? "";
/** ORIGIN_KEY's value in vitest.config.ts. */
const SECRET_VALUE = "test-origin-key-7f3a";
const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT = "00f067aa0ba902b7";

interface Echo {
  origin: string;
  headers: Record<string, string>;
}

function config(origin: Record<string, unknown> = {}, pool: Record<string, unknown> = {}, route: Record<string, unknown> = {}): unknown {
  return {
    origins: [{ id: "p3", url: p3, ...origin }],
    pools: [{ id: "one", origins: ["p3"], ...pool }],
    routes: [{ id: "view", pools: ["one"], ...route }],
  };
}

async function seen(headers: Record<string, string> = {}): Promise<{ echo: Echo; res: Response }> {
  const res = await proxied("/view", { headers });
  return { echo: (await res.json()) as Echo, res };
}

describe("request ids", () => {
  it("keeps a valid client id, sends it to the origin and returns it", async ({ expect }) => {
    await useConfig(config());
    const { echo, res } = await seen({ "x-request-id": "client-id-42" });
    expect(echo.headers["x-request-id"]).toBe("client-id-42");
    expect(res.headers.get("x-request-id")).toBe("client-id-42");
  });

  it("replaces an invalid or missing id with a new one, the same at the origin and the client", async ({ expect }) => {
    await useConfig(config());
    for (const headers of [{ "x-request-id": "bad id; with spaces" }, {}] as Record<string, string>[]) {
      const { echo, res } = await seen(headers);
      expect(echo.headers["x-request-id"]).toMatch(/^[0-9a-f]{32}$/);
      expect(res.headers.get("x-request-id")).toBe(echo.headers["x-request-id"]);
    }
    const a = await seen();
    const b = await seen();
    expect(a.echo.headers["x-request-id"]).not.toBe(b.echo.headers["x-request-id"]);
  });

  it("puts the id on Edgeway's own error answers too", async ({ expect }) => {
    await useConfig(config());
    const res = await proxied("/view", { headers: { "x-request-id": "err-1", "x-edgeway-debug-geo": "continent=???" } });
    expect(res.status).toBe(400);
    expect(res.headers.get("x-request-id")).toBe("err-1");
  });
});

describe("request ids on admin calls", () => {
  it("returns the id and keeps it in the admin_change audit entry", async ({ expect }) => {
    const res = await admin("/config", {
      method: "PUT",
      body: JSON.stringify(config()),
      headers: { "content-type": "application/json", "x-request-id": "admin-req-77" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe("admin-req-77");
    const { entries } = (await (await admin("/audit?limit=5")).json()) as { entries: { path: string; requestId?: string }[] };
    expect(entries.find((e) => e.requestId === "admin-req-77")).toMatchObject({ path: "/_edgeway/config" });
  });
});

describe("W3C trace context", () => {
  it("continues a valid traceparent with a new span and passes tracestate on", async ({ expect }) => {
    await useConfig(config());
    const { echo } = await seen({ traceparent: `00-${TRACE}-${PARENT}-00`, tracestate: "vendor=abc" });
    const [version, trace, span, flags] = (echo.headers.traceparent ?? "").split("-");
    expect({ version, trace, flags }).toEqual({ version: "00", trace: TRACE, flags: "00" });
    expect(span).toMatch(/^[0-9a-f]{16}$/);
    expect(span).not.toBe(PARENT);
    expect(echo.headers.tracestate).toBe("vendor=abc");
  });

  it("replaces a malformed traceparent (never forwarded) and drops its tracestate", async ({ expect }) => {
    await useConfig(config());
    const { echo } = await seen({ traceparent: `00-${TRACE.toUpperCase()}-${PARENT}-01`, tracestate: "vendor=abc" });
    expect(echo.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(echo.headers.traceparent).not.toContain(TRACE);
    expect(echo.headers.tracestate).toBeUndefined();
  });

  it("explain shows the trace and request id the request would carry", async ({ expect }) => {
    await useConfig(config());
    const q = new URLSearchParams({ url: "http://app.test/view" });
    q.append("header", `traceparent: 00-${TRACE}-${PARENT}-01`);
    q.append("header", "x-request-id: explain-me");
    const given = (await (await admin(`/explain?${q}`)).json()) as { trace: { traceId: string; continued: boolean; requestId: string } };
    expect(given.trace).toEqual({ traceId: TRACE, continued: true, requestId: "explain-me" });
    const fresh = (await (await admin(`/explain?url=${encodeURIComponent("http://app.test/view")}`)).json()) as {
      trace: { traceId: string; continued: boolean };
    };
    expect(fresh.trace.continued).toBe(false);
    expect(fresh.trace.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it("starts a sampled trace when there is none; each request its own", async ({ expect }) => {
    await useConfig(config());
    const a = (await seen()).echo.headers.traceparent ?? "";
    const b = (await seen()).echo.headers.traceparent ?? "";
    expect(a).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(a.split("-")[1]).not.toBe(b.split("-")[1]);
  });
});

describe('traceContext: "continue"', () => {
  it("sends no trace for a request without one, and the request id as ever", async ({ expect }) => {
    await useConfig(config({}, {}, { traceContext: "continue" }));
    const { echo, res } = await seen({ tracestate: "vendor=abc" });
    expect(echo.headers.traceparent).toBeUndefined();
    // Nothing was started, so the client's own tracestate passes as it came.
    expect(echo.headers.tracestate).toBe("vendor=abc");
    expect(echo.headers["x-request-id"]).toMatch(/^[0-9a-f]{32}$/);
    expect(res.headers.get("x-request-id")).toBe(echo.headers["x-request-id"]);
  });

  it("continues a valid traceparent with a new span, tracestate with it", async ({ expect }) => {
    await useConfig(config({}, {}, { traceContext: "continue" }));
    const { echo } = await seen({ traceparent: `00-${TRACE}-${PARENT}-01`, tracestate: "vendor=abc" });
    const [, trace, span, flags] = (echo.headers.traceparent ?? "").split("-");
    expect({ trace, flags }).toEqual({ trace: TRACE, flags: "01" });
    expect(span).toMatch(/^[0-9a-f]{16}$/);
    expect(span).not.toBe(PARENT);
    expect(echo.headers.tracestate).toBe("vendor=abc");
  });

  it("removes a malformed traceparent and its tracestate, starting nothing", async ({ expect }) => {
    await useConfig(config({}, {}, { traceContext: "continue" }));
    const { echo } = await seen({ traceparent: `00-${TRACE.toUpperCase()}-${PARENT}-01`, tracestate: "vendor=abc" });
    expect(echo.headers.traceparent).toBeUndefined();
    expect(echo.headers.tracestate).toBeUndefined();
  });

  it("explain says no trace would be sent, and names the plan's identity stage", async ({ expect }) => {
    await useConfig(config({}, {}, { traceContext: "continue" }));
    const body = (await (await admin(`/explain?url=${encodeURIComponent("http://app.test/view")}`)).json()) as {
      trace: { traceId: string | null; continued: boolean };
      plan: string[];
    };
    expect(body.trace).toMatchObject({ traceId: null, continued: false });
    expect(body.plan[0]).toBe("identity (continue traces only)");
  });

  it("refuses a value it does not know, naming the field", async ({ expect }) => {
    const res = await putConfig(config({}, {}, { traceContext: "sometimes" }));
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain("traceContext");
  });
});

describe("forwarding headers", () => {
  it("appends to X-Forwarded-For and Forwarded; replaces X-Forwarded-Proto and -Host", async ({ expect }) => {
    // Forwarded (RFC 7239) is the route's choice (`forwarded: true`); X-Forwarded-* always go.
    await useConfig(config({}, {}, { forwarded: true }));
    const { echo } = await seen({
      "cf-connecting-ip": "2001:db8::7",
      "x-forwarded-for": "198.51.100.1",
      forwarded: "for=198.51.100.1",
      "x-forwarded-proto": "gopher",
      "x-forwarded-host": "evil.example",
    });
    expect(echo.headers["x-forwarded-for"]).toBe("198.51.100.1, 2001:db8::7");
    expect(echo.headers.forwarded).toBe('for=198.51.100.1, for="[2001:db8::7]";host=app.test;proto=http');
    expect(echo.headers["x-forwarded-proto"]).toBe("http");
    expect(echo.headers["x-forwarded-host"]).toBe("app.test");
  });
});

describe("Forwarded is the route's choice", () => {
  it("leaves the client's Forwarded as it came when the route does not ask for it (the default)", async ({ expect }) => {
    await useConfig(config());
    const { echo } = await seen({ "cf-connecting-ip": "203.0.113.9", forwarded: "for=198.51.100.1" });
    expect(echo.headers.forwarded).toBe("for=198.51.100.1");
    expect(echo.headers["x-forwarded-for"]).toBe("203.0.113.9");
    const plain = await seen({ "cf-connecting-ip": "203.0.113.9" });
    expect(plain.echo.headers.forwarded).toBeUndefined();
  });
});

describe("origin headers and secrets", () => {
  it("sends the pool's and the origin's headers, a secret's value included", async ({ expect }) => {
    await useConfig(
      config(
        { headers: { "x-origin-key": { secret: "ORIGIN_KEY" }, "x-team": "origin" } },
        { headers: { "x-team": "pool", "x-pool": "one" } },
      ),
    );
    const { echo } = await seen({ "x-origin-key": "forged-by-client" });
    expect(echo.headers["x-origin-key"]).toBe(SECRET_VALUE);
    expect(echo.headers["x-team"]).toBe("origin");
    expect(echo.headers["x-pool"]).toBe("one");
  });

  it("never shows the secret's value in config reads, explain or metrics", async ({ expect }) => {
    await useConfig(config({ headers: { "x-origin-key": { secret: "ORIGIN_KEY" } } }));
    expect((await seen()).echo.headers["x-origin-key"]).toBe(SECRET_VALUE);
    for (const path of ["/config", "/metrics", `/explain?url=${encodeURIComponent("http://app.test/view")}`, "/status"]) {
      const text = await (await admin(path)).text();
      expect(text, path).not.toContain(SECRET_VALUE);
    }
    expect(await (await admin("/config")).text()).toContain('"secret":"ORIGIN_KEY"');
  });

  it("refuses a config naming a secret or an mTLS binding the Worker lacks, naming it; stores nothing", async ({ expect }) => {
    await useConfig(config());
    const before = await (await admin("/config")).text();
    const res = await putConfig(config({ headers: { "x-key": { secret: "NOT_A_SECRET_HERE" } }, mtlsCertificate: "ORIGIN_CERT" }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { issues: { path: string; message: string }[] };
    expect(body.issues).toEqual([
      { path: "origins[0].headers.x-key", message: expect.stringContaining('secret "NOT_A_SECRET_HERE" is not set') },
      { path: "origins[0].mtlsCertificate", message: expect.stringContaining('no mtls_certificates binding "ORIGIN_CERT"') },
    ]);
    expect(await (await admin("/config")).text()).toBe(before);
  });

  it("refuses header values with a line break and connection-specific header names", async ({ expect }) => {
    const res = await putConfig(config({ headers: { "x-a": "one\r\nx-b: two", connection: "close" } }));
    expect(res.status).toBe(400);
    const text = JSON.stringify(await res.json());
    expect(text).toContain("origins[0].headers.x-a");
    expect(text).toContain("origins[0].headers.connection");
  });
});

describe("origin host", () => {
  it("locally, an IP origin with host still sees its own address (the local runtime drops a Host header)", async ({ expect }) => {
    await useConfig(config({ host: "api.internal.example" }));
    const { echo } = await seen();
    expect(echo.origin).toBe("p3");
    expect(echo.headers.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(echo.headers["x-forwarded-host"]).toBe("app.test");
  });
});
