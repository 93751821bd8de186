/**
 * The worker entry's dispatch (src/index.ts): most data-plane requests skip the router,
 * and every request still answers as it did through it — admin paths, paths the router
 * decodes into admin paths, paths that only look like the prefix, HEAD, and Edgeway's
 * own errors.
 */
import { exports } from "cloudflare:workers";
import { describe, inject, it } from "vitest";
import { ADMIN_TOKEN, proxied, useConfig } from "../worker/helpers.ts";

function config(origins: Record<string, string>): unknown {
  return {
    origins: [{ id: "o1", url: origins.o1 }],
    pools: [{ id: "p", origins: ["o1"] }],
    routes: [
      { id: "items", match: { pathPrefix: "/items" }, pools: ["p"] },
      { id: "underscore", match: { pathPrefix: "/_edgewayx" }, pools: ["p"] },
    ],
  };
}

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe("data-plane dispatch", () => {
  it("proxies a GET past the router, with Edgeway's headers", async ({ expect }) => {
    await useConfig(config(inject("origins")));
    const res = await proxied("/items/1?x=1");
    const echo = (await res.json()) as { path: string; query: string; method: string };
    expect(res.status).toBe(200);
    expect(res.headers.get("x-edgeway-origin")).toBe("o1");
    expect(echo).toMatchObject({ path: "/items/1", query: "?x=1", method: "GET" });
  });

  it("answers a HEAD with the origin's status and headers and no body", async ({ expect }) => {
    await useConfig(config(inject("origins")));
    const res = await proxied("/items/1", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-edgeway-origin")).toBe("o1");
    expect(await res.text()).toBe("");
  });

  it("sends a path that only starts like the admin prefix to the data plane", async ({ expect }) => {
    await useConfig(config(inject("origins")));
    const res = await proxied("/_edgewayx/1");
    const echo = (await res.json()) as { path: string };
    expect(res.status).toBe(200);
    expect(echo.path).toBe("/_edgewayx/1");
  });

  it("sends a percent-encoded admin path to the admin API, as the router decodes it", async ({ expect }) => {
    const document = config(inject("origins"));
    const version = await useConfig(document);
    const unauthenticated = await exports.default.fetch("http://edgeway.test/%5Fedgeway/config");
    await unauthenticated.text();
    expect(unauthenticated.status).toBe(401);
    const res = await exports.default.fetch("http://edgeway.test/%5Fedgeway/config", { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-edgeway-config-version")).toBe(String(version));
    expect(await res.json()).toEqual(document);
  });

  it("answers an unmatched path with the same JSON 404 whether or not it passed the router", async ({ expect }) => {
    await useConfig(config(inject("origins")));
    const direct = await proxied("/nothing/here");
    const routed = await proxied("/_nothing/here");
    for (const [res, path] of [
      [direct, "/nothing/here"],
      [routed, "/_nothing/here"],
    ] as const) {
      const body = (await res.json()) as { code: string; error: string };
      expect(res.status).toBe(404);
      expect(res.headers.get("x-edgeway-error")).toBe("no_route");
      expect(body.code).toBe("no_route");
      expect(body.error).toBe(`no route for app.test${path}`);
    }
  });
});
