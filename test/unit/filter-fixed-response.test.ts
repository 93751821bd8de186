/** FixedResponse prepared once per route: status, body bytes, default content type, Location, the route's response edits folded in. */
import { describe, expect, it } from "vitest";
import { compileHeaderEdits } from "../../src/proxy/header-edits.ts";
import { DEFAULT_FIXED_CONTENT_TYPE, prepareFixedResponse } from "../../src/request/fixed-response.ts";

describe("prepareFixedResponse", () => {
  it("a body without a content type is text/plain in UTF-8, its bytes encoded once", () => {
    const fixed = prepareFixedResponse({ statusCode: 503, body: "Back soon — maintenance" }, undefined);
    expect(fixed.status).toBe(503);
    expect(new TextDecoder().decode(fixed.body ?? new Uint8Array())).toBe("Back soon — maintenance");
    expect(fixed.headers).toEqual([["content-type", DEFAULT_FIXED_CONTENT_TYPE]]);
  });

  it("keeps a given content type, and sets none without a body", () => {
    expect(prepareFixedResponse({ statusCode: 200, body: "{}", contentType: "application/json" }, undefined).headers).toEqual([
      ["content-type", "application/json"],
    ]);
    const empty = prepareFixedResponse({ statusCode: 200 }, undefined);
    expect(empty.body).toBeNull();
    expect(empty.headers).toEqual([]);
  });

  it("drops the body of a status that has none", () => {
    for (const statusCode of [204, 205, 304]) expect(prepareFixedResponse({ statusCode, body: "x" }, undefined).body).toBeNull();
  });

  it("sets Location, percent-encoded, for an absolute URL or a path", () => {
    expect(prepareFixedResponse({ statusCode: 301, location: "https://example.com/new place" }, undefined).headers).toEqual([
      ["location", "https://example.com/new%20place"],
    ]);
    expect(prepareFixedResponse({ statusCode: 302, location: "/moved?from=ü" }, undefined).headers).toEqual([
      ["location", "/moved?from=%C3%BC"],
    ]);
  });

  it("makes the route's response header edits on its headers", () => {
    const edits = compileHeaderEdits({
      set: [{ name: "Content-Type", value: "text/html" }],
      add: [{ name: "Cache-Control", value: "no-store" }],
    });
    const fixed = prepareFixedResponse({ statusCode: 503, body: "<p>down</p>" }, edits);
    expect(fixed.headers).toEqual([
      ["cache-control", "no-store"],
      ["content-type", "text/html"],
    ]);
  });

  it("gives each request its own response with the same bytes", async () => {
    const fixed = prepareFixedResponse({ statusCode: 200, body: "same" }, undefined);
    const a = new Response(fixed.body, { status: fixed.status, headers: fixed.headers as [string, string][] });
    const b = new Response(fixed.body, { status: fixed.status, headers: fixed.headers as [string, string][] });
    expect(await a.text()).toBe("same");
    expect(await b.text()).toBe("same");
  });
});
