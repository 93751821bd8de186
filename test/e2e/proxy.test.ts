/** End to end: what the origin sees and what the client gets back (header hygiene, redirects, timing, bodies). */
import { describe, inject, it } from "vitest";
import { proxied, useConfig } from "../worker/helpers.ts";

interface Echo {
  origin: string;
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  bodyLength: number;
  body: string;
}

function config(origins: Record<string, string>, extra: Record<string, unknown> = {}): unknown {
  return {
    origins: [
      { id: "o9", url: `${origins.o9}/base` },
      { id: "o10", url: origins.o10, weight: 0 },
    ],
    pools: [{ id: "p", origins: ["o9", "o10"] }],
    routes: [{ id: "r", pools: ["p"], ...extra }],
  };
}

describe("proxying", () => {
  it("forwards path, query and method; sets X-Forwarded-*; strips hop-by-hop and debug headers", async ({ expect }) => {
    await useConfig(config(inject("origins")));
    const res = await proxied("/items/7?sort=asc", {
      headers: {
        "cf-connecting-ip": "203.0.113.9",
        "x-forwarded-for": "198.51.100.1",
        connection: "keep-alive, x-secret-hop",
        "x-secret-hop": "must not reach the origin",
        // Every other hop-by-hop field: Edgeway removes Proxy-Connection, the runtime writes its own of the rest.
        "keep-alive": "timeout=5",
        te: "trailers",
        trailer: "x-checksum",
        "proxy-connection": "keep-alive",
        upgrade: "h2c",
        "x-edgeway-debug-geo": "continent=EU",
        "x-app": "kept",
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-edgeway-origin")).toBe("o9");
    const echo = (await res.json()) as Echo;
    expect(echo.path).toBe("/base/items/7");
    expect(echo.query).toBe("?sort=asc");
    expect(echo.headers["x-forwarded-for"]).toBe("198.51.100.1, 203.0.113.9");
    expect(echo.headers["x-forwarded-host"]).toBe("app.test");
    expect(echo.headers["x-forwarded-proto"]).toBe("http");
    expect(echo.headers["x-app"]).toBe("kept");
    expect(echo.headers["x-secret-hop"]).toBeUndefined();
    for (const field of ["keep-alive", "te", "trailer", "proxy-connection", "upgrade", "transfer-encoding"])
      expect(echo.headers[field], field).toBeUndefined();
    expect(echo.headers.connection ?? "keep-alive").toMatch(/^(keep-alive|close)$/i);
    expect(echo.headers["x-edgeway-debug-geo"]).toBeUndefined();
    // The origin sees its own host, not the client's.
    expect(echo.headers.host).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it("adds server-timing to the response", async ({ expect }) => {
    // Keep-Alive and its like are the runtime's to write on the wire (the test above for the
    // fields Edgeway strips itself; test/colos/colos.test.ts for both over real HTTP).
    await useConfig(config(inject("origins")));
    const res = await proxied("/");
    await res.text();
    expect(res.headers.get("x-origin-id")).toBe("o9");
    expect(res.headers.get("server-timing")).toMatch(/^edgeway;dur=\d+, origin;dur=\d+;desc="o9"$/);
  });

  it("passes an origin's redirect through untouched", async ({ expect }) => {
    await useConfig(config(inject("origins")));
    // redirect: "manual" so the test's own fetch does not follow what Edgeway passed through.
    const res = await proxied("/redirect", { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/elsewhere");
  });

  it("sends request bodies through", async ({ expect }) => {
    await useConfig(config(inject("origins")));
    const res = await proxied("/upload", { method: "POST", body: "hello edgeway", headers: { "content-type": "text/plain" } });
    const echo = (await res.json()) as Echo;
    expect(echo.method).toBe("POST");
    expect(echo.body).toBe("hello edgeway");
  });

  it("a drained origin (weight 0) gets no traffic", async ({ expect }) => {
    await useConfig(config(inject("origins")));
    for (let i = 0; i < 10; i++) {
      const res = await proxied("/");
      await res.text();
      expect(res.headers.get("x-edgeway-origin")).toBe("o9");
    }
  });

  it("exposeOrigin: false leaves x-edgeway-origin and server-timing off", async ({ expect }) => {
    await useConfig(config(inject("origins"), { exposeOrigin: false }));
    const res = await proxied("/");
    await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get("x-edgeway-origin")).toBeNull();
    expect(res.headers.get("server-timing")).toBeNull();
  });

  it("strips the fields an origin's Connection header names, with exposeOrigin on and off", async ({ expect }) => {
    for (const exposeOrigin of [true, false]) {
      await useConfig(config(inject("origins"), { exposeOrigin }));
      const res = await proxied("/hop-headers");
      expect(await res.text()).toBe("hop\n");
      expect(res.headers.get("x-origin-id")).toBe("o9");
      expect(res.headers.get("x-hop")).toBeNull();
      expect(res.headers.get("proxy-connection")).toBeNull();
      expect(res.headers.get("x-edgeway-origin")).toBe(exposeOrigin ? "o9" : null);
    }
  });

  it("exposeOrigin: false passes the origin's answer on as it came: status, headers and body", async ({ expect }) => {
    await useConfig(config(inject("origins"), { exposeOrigin: false }));
    const res = await proxied("/items/3?x=1", {
      method: "POST",
      body: "payload",
      headers: { "content-type": "text/plain", "x-app": "kept" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("x-origin-id")).toBe("o9");
    const echo = (await res.json()) as Echo;
    expect(echo).toMatchObject({ method: "POST", path: "/base/items/3", query: "?x=1", body: "payload" });
    expect(echo.headers["x-app"]).toBe("kept");
    const redirect = await proxied("/redirect", { redirect: "manual" });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("/elsewhere");
  });

  it("exposeOrigin: false still sets the affinity cookie on the origin's answer", async ({ expect }) => {
    await useConfig(config(inject("origins"), { exposeOrigin: false, affinity: { type: "cookie", ttlSeconds: 60 } }));
    const res = await proxied("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-origin-id")).toBe("o9");
    expect(res.headers.get("set-cookie")).toMatch(/^__edgeway_affinity=[^;]+; Path=\/; Max-Age=60; HttpOnly; SameSite=Lax$/);
    expect(((await res.json()) as Echo).path).toBe("/base/");
  });
});
