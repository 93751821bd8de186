/** RequestRedirect's Location, as the Gateway API specifies it: scheme, hostname, port (and when it is left out), path, query kept. */
import { describe, expect, it } from "vitest";
import type { RequestRedirect } from "../../src/config/filter-schema.ts";
import type { PathMatch } from "../../src/config/match-schema.ts";
import { prepareRedirect, redirectLocation } from "../../src/request/redirect.ts";

const ANY: PathMatch = { type: "PathPrefix", value: "/" };

function location(redirect: Partial<RequestRedirect>, url: string, matched: PathMatch = ANY): string {
  return redirectLocation(prepareRedirect({ statusCode: 302, ...redirect }), new URL(url), matched);
}

describe("redirectLocation", () => {
  // Gateway API conformance, HTTPRouteRedirectHostAndStatus / Port / Scheme / Path, from a listener on port 80.
  it.each<[string, Partial<RequestRedirect>, string, string]>([
    ["hostname", { hostname: "example.org" }, "http://example.com/hostname-redirect", "http://example.org/hostname-redirect"],
    ["port", { port: 8083 }, "http://example.com/port", "http://example.com:8083/port"],
    [
      "port and hostname",
      { port: 8083, hostname: "example.org" },
      "http://example.com/port-and-host",
      "http://example.org:8083/port-and-host",
    ],
    ["scheme", { scheme: "https" }, "http://example.com/scheme", "https://example.com/scheme"],
    ["scheme and port", { scheme: "https", port: 8443 }, "http://example.com/s", "https://example.com:8443/s"],
    ["scheme with its well-known port", { scheme: "https", port: 443 }, "http://example.com/s", "https://example.com/s"],
    ["port 80 over http", { port: 80 }, "http://example.com:8080/p", "http://example.com/p"],
    ["full path", { path: { type: "ReplaceFullPath", replaceFullPath: "/new" } }, "http://example.com/full/x", "http://example.com/new"],
  ])("%s", (_name, redirect, url, expected) => {
    expect(location(redirect, url)).toBe(expected);
  });

  it("keeps the request's port when neither scheme nor port is given", () => {
    expect(location({ hostname: "example.org" }, "http://example.com:8080/a")).toBe("http://example.org:8080/a");
    expect(location({}, "https://example.com:8443/a")).toBe("https://example.com:8443/a");
  });

  it("takes the new scheme's well-known port when a scheme is given without a port", () => {
    expect(location({ scheme: "https" }, "http://example.com:8080/a")).toBe("https://example.com/a");
    expect(location({ scheme: "http" }, "https://example.com/a")).toBe("http://example.com/a");
    // The same scheme again still means its well-known port, not the request's.
    expect(location({ scheme: "http" }, "http://example.com:8080/a")).toBe("http://example.com/a");
  });

  it("keeps the query string", () => {
    expect(location({ hostname: "example.org" }, "http://example.com/a?x=1&y=2")).toBe("http://example.org/a?x=1&y=2");
    expect(location({ path: { type: "ReplaceFullPath", replaceFullPath: "/b" } }, "http://example.com/a?q")).toBe("http://example.com/b?q");
  });

  it("replaces the matched prefix on whole segments", () => {
    const matched: PathMatch = { type: "PathPrefix", value: "/original-prefix" };
    const redirect: Partial<RequestRedirect> = { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/replacement-prefix" } };
    expect(location(redirect, "http://example.com/original-prefix/lemon", matched)).toBe("http://example.com/replacement-prefix/lemon");
    expect(location(redirect, "http://example.com/original-prefix", matched)).toBe("http://example.com/replacement-prefix");
    const toRoot: Partial<RequestRedirect> = { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/" } };
    expect(location(toRoot, "http://example.com/original-prefix/lemon", matched)).toBe("http://example.com/lemon");
    expect(location(toRoot, "http://example.com/original-prefix", matched)).toBe("http://example.com/");
  });

  it("lower-cases the hostname and encodes the path", () => {
    expect(location({ hostname: "Example.ORG", path: { type: "ReplaceFullPath", replaceFullPath: "/é" } }, "http://a.test/x")).toBe(
      "http://example.org/%C3%A9",
    );
  });

  it("keeps an IPv6 request host in brackets", () => {
    expect(location({ port: 9000 }, "http://[2001:db8::1]/a")).toBe("http://[2001:db8::1]:9000/a");
  });
});
