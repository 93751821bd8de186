/** URLRewrite: paths (ReplacePrefixMatch on whole segments, the Gateway API's table and conformance cases; ReplaceFullPath; encoding), shared with redirects, and the hostname each try sends. */
import { describe, expect, it } from "vitest";
import type { PathMatch } from "../../src/config/match-schema.ts";
import { originExtras } from "../../src/proxy/origin-extras.ts";
import { routeExtras } from "../../src/proxy/route-extras.ts";
import { encodeModifier, encodePath, modifyPath, replacePrefix } from "../../src/request/rewrite.ts";
import { at, compile, poolOf, routeOf } from "./helpers/configs.ts";

describe("replacePrefix", () => {
  // The table of Gateway API HTTPPathModifier.ReplacePrefixMatch ("" is not a valid replacement in Edgeway: "/" is).
  it.each([
    ["/foo/bar", "/foo", "/xyz", "/xyz/bar"],
    ["/foo/bar", "/foo", "/xyz/", "/xyz/bar"],
    ["/foo/bar", "/foo/", "/xyz", "/xyz/bar"],
    ["/foo/bar", "/foo/", "/xyz/", "/xyz/bar"],
    ["/foo", "/foo", "/xyz", "/xyz"],
    ["/foo/", "/foo", "/xyz", "/xyz/"],
    ["/foo/bar", "/foo", "/", "/bar"],
    ["/foo/", "/foo", "/", "/"],
    ["/foo", "/foo", "/", "/"],
  ])("%s with prefix %s replaced by %s is %s", (path, prefix, replacement, expected) => {
    expect(replacePrefix(path, prefix, replacement)).toBe(expected);
  });

  // Gateway API conformance, HTTPRouteRewritePath.
  it.each([
    ["/prefix/one/two", "/prefix/one", "/one", "/one/two"],
    ["/prefix/one", "/prefix/one", "/one", "/one"],
    ["/strip-prefix/three", "/strip-prefix", "/", "/three"],
    ["/strip-prefix", "/strip-prefix", "/", "/"],
    ["/strip-prefix/", "/strip-prefix", "/", "/"],
  ])("conformance: %s under %s → %s gives %s", (path, prefix, replacement, expected) => {
    expect(replacePrefix(path, prefix, replacement)).toBe(expected);
  });

  it("the catch-all prefix puts the replacement in front of the whole path", () => {
    expect(replacePrefix("/a/b", "/", "/v2")).toBe("/v2/a/b");
    expect(replacePrefix("/a/b", "/", "/")).toBe("/a/b");
    expect(replacePrefix("/", "/", "/v2")).toBe("/v2/");
  });

  it("never makes a double slash", () => {
    for (const path of ["/api", "/api/", "/api/x", "/api/x/"])
      for (const replacement of ["/", "/v1", "/v1/"]) expect(replacePrefix(path, "/api", replacement)).not.toMatch(/\/\//);
  });

  it("leaves a path the prefix does not hold on whole segments as it is", () => {
    expect(replacePrefix("/apix/1", "/api", "/v1")).toBe("/apix/1");
    expect(replacePrefix("/other", "/api", "/v1")).toBe("/other");
  });
});

describe("modifyPath", () => {
  const prefix: PathMatch = { type: "PathPrefix", value: "/api" };

  it("ReplaceFullPath sends the configured path whatever was asked", () => {
    expect(modifyPath({ type: "ReplaceFullPath", replaceFullPath: "/one" }, "/full/one/two", prefix)).toBe("/one");
  });

  it("ReplacePrefixMatch replaces the prefix of the match that held", () => {
    expect(modifyPath({ type: "ReplacePrefixMatch", replacePrefixMatch: "/v2" }, "/api/users/7", prefix)).toBe("/v2/users/7");
  });

  it("ReplacePrefixMatch after a match that is not a prefix leaves the path as it is", () => {
    const exact: PathMatch = { type: "Exact", value: "/api/users" };
    const regex: PathMatch = { type: "RegularExpression", value: "/api/.*" };
    expect(modifyPath({ type: "ReplacePrefixMatch", replacePrefixMatch: "/v2" }, "/api/users", exact)).toBe("/api/users");
    expect(modifyPath({ type: "ReplacePrefixMatch", replacePrefixMatch: "/v2" }, "/api/users", regex)).toBe("/api/users");
  });
});

describe("encodePath", () => {
  it("percent-encodes what the URL parser encodes in a request's path, keeping a trailing slash", () => {
    expect(encodePath("/café/")).toBe("/caf%C3%A9/");
    expect(encodePath("/a/./b/../c")).toBe("/a/c");
    expect(encodePath("/")).toBe("/");
  });

  it("encodes a modifier's value once", () => {
    expect(encodeModifier({ type: "ReplaceFullPath", replaceFullPath: "/ü" })).toEqual({
      type: "ReplaceFullPath",
      replaceFullPath: "/%C3%BC",
    });
    expect(encodeModifier({ type: "ReplacePrefixMatch", replacePrefixMatch: "/x y" })).toEqual({
      type: "ReplacePrefixMatch",
      replacePrefixMatch: "/x%20y",
    });
  });
});

describe("a rewritten hostname on each try", () => {
  const config = compile({
    origins: [
      { id: "ip", url: "http://127.0.0.1:9101" },
      { id: "named", url: "https://lb-eu.example.net", host: "api.internal.example" },
    ],
    pools: [
      { id: "blue", origins: ["ip"] },
      { id: "green", origins: ["named"] },
    ],
    routes: [
      {
        id: "r",
        pools: ["blue", "green"],
        filters: [{ type: "URLRewrite", urlRewrite: { hostname: "one.example.org" } }],
        poolFilters: { green: [{ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "X-Pool", value: "green" }] } }] },
      },
    ],
  });
  const route = routeOf(config);
  const extras = routeExtras(route, {});
  const selection = (pool: string) => {
    const p = poolOf(config, pool);
    return { pool: p, origin: at(p.origins, 0), fallback: false, panic: false };
  };

  it("is the Host an address origin is sent, as its own host option would be", () => {
    const blue = extras(selection("blue"));
    expect(blue.target).toEqual({ origin: "http://127.0.0.1:9101", resolveOverride: undefined, hostHeader: "one.example.org:9101" });
    expect(blue.edits).toBeUndefined();
  });

  it("is the name a named origin is fetched by, the route's name winning over the origin's host", () => {
    const green = extras(selection("green"));
    expect(green.target).toEqual({ origin: "https://one.example.org", resolveOverride: "lb-eu.example.net", hostHeader: undefined });
    expect(green.edits?.set).toEqual([["x-pool", "green"]]);
  });

  it("is worked out once per origin", () => {
    expect(extras(selection("green"))).toBe(extras(selection("green")));
  });

  it("a route without a rewrite or pool edits gets the origin's own extras", () => {
    const plain = compile({
      origins: [{ id: "ip", url: "http://127.0.0.1:9101" }],
      pools: [{ id: "blue", origins: ["ip"] }],
      routes: [{ id: "r", pools: ["blue"] }],
    });
    const pool = poolOf(plain, "blue");
    const own = routeExtras(routeOf(plain), {})({ pool, origin: at(pool.origins, 0), fallback: false, panic: false });
    expect(own).toBe(originExtras(pool, at(pool.origins, 0), {}));
  });
});
