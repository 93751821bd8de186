/**
 * The FixedResponse filter (Cloudflare Load Balancing's `fixed_response`, which the Gateway
 * API has no filter for): the route answers at the edge with its status, content type,
 * body and Location, with its ResponseHeaderModifier edits and the request's id. The
 * routes' pool is an origin nothing listens on, so a request that reached it would come
 * back as an error, never as the fixed answer.
 */
import { exports } from "cloudflare:workers";
import { describe, inject, it } from "vitest";
import { putConfig, useConfig } from "../worker/helpers.ts";

const HOST = "fixed.test";

function config(dead: string, routes: unknown[]): unknown {
  return { origins: [{ id: "dead", url: dead }], pools: [{ id: "unreachable", origins: ["dead"] }], routes };
}

function fixed(id: string, prefix: string, fixedResponse: unknown, more: unknown[] = []): unknown {
  return {
    id,
    match: { host: HOST, pathPrefix: prefix },
    pools: ["unreachable"],
    filters: [{ type: "FixedResponse", fixedResponse }, ...more],
  };
}

function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(new Request(`http://${HOST}${path}`, { headers, redirect: "manual" }));
}

/** A fixed response's parts as the client got them. */
async function parts(res: Response): Promise<unknown[]> {
  return [res.status, res.headers.get("content-type"), res.headers.get("location"), await res.text(), res.headers.get("x-edgeway-origin")];
}

describe("FixedResponse", () => {
  it("answers with the status, content type, body and Location at the edge, with the route's response edits", async ({ expect }) => {
    await useConfig(
      config(inject("deadOrigin"), [
        fixed("maintenance", "/down", { statusCode: 503, contentType: "text/html; charset=utf-8", body: "<h1>Back soon</h1>" }, [
          {
            type: "ResponseHeaderModifier",
            responseHeaderModifier: { set: [{ name: "Retry-After", value: "120" }], add: [{ name: "Cache-Control", value: "no-store" }] },
          },
        ]),
        fixed("moved", "/old", { statusCode: 302, location: "/new?from=old" }),
        fixed("plain", "/plain", { body: "ok" }),
        fixed("empty", "/empty", {}),
        fixed("no-content", "/gone", { statusCode: 204, body: "never sent" }),
      ]),
    );
    const down = await get("/down/page?x=1", { "x-request-id": "client-id-42" });
    expect(down.headers.get("retry-after")).toBe("120");
    expect(down.headers.get("cache-control")).toBe("no-store");
    expect(down.headers.get("x-request-id")).toBe("client-id-42");
    expect(await parts(down)).toEqual([503, "text/html; charset=utf-8", null, "<h1>Back soon</h1>", null]);
    expect(await parts(await get("/old"))).toEqual([302, null, "/new?from=old", "", null]);
    expect(await parts(await get("/plain"))).toEqual([200, "text/plain; charset=utf-8", null, "ok", null]);
    expect(await parts(await get("/empty"))).toEqual([200, null, null, "", null]);
    // RFC 9110 §15.3.5: a 204 has no content, whatever the config says.
    expect(await parts(await get("/gone"))).toEqual([204, null, null, "", null]);
  });

  it("only the requests the route matches get the fixed answer", async ({ expect }) => {
    await useConfig(config(inject("deadOrigin"), [fixed("maintenance", "/down", { statusCode: 503, body: "down" })]));
    const res = await exports.default.fetch(new Request(`http://${HOST}/up`));
    await res.text();
    // No route takes /up: Edgeway's 404, not the fixed answer.
    expect(res.status).toBe(404);
  });

  it("refuses a body over 64 KiB, naming the field, and keeps the config in force", async ({ expect }) => {
    await useConfig(config(inject("deadOrigin"), [fixed("maintenance", "/down", { statusCode: 503, body: "down" })]));
    const res = await putConfig(config(inject("deadOrigin"), [fixed("big", "/big", { body: "x".repeat(65_537) })]));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("routes[0].filters[0].fixedResponse.body");
    expect((await get("/down")).status).toBe(503);
  });
});
