import { describe, expect, it } from "vitest";
import { compileRouteTable, normaliseHost, pathMatches } from "../../src/routing/match.ts";
import type { MatchableRoute } from "../../src/routing/match.ts";
import { mulberry32 } from "./helpers/random.ts";
import { compile } from "./helpers/configs.ts";
import { makeOrigins, makePool, makeRoute } from "./helpers/configs.ts";

function route(id: string, host: string, pathPrefix = "/"): MatchableRoute {
  return { id, match: { host, pathPrefix } };
}

function matcher(routes: readonly MatchableRoute[]): (host: string, path: string) => string | undefined {
  const table = compileRouteTable(routes);
  return (host, path) => table.match(host, path)?.route.id;
}

describe("host specificity", () => {
  const match = matcher([route("any", "*"), route("wild", "*.example.com"), route("exact", "api.example.com")]);

  it("an exact host beats *.suffix, which beats *", () => {
    expect(match("api.example.com", "/")).toBe("exact");
    expect(match("www.example.com", "/")).toBe("wild");
    expect(match("example.org", "/")).toBe("any");
  });

  it("*.suffix matches subdomains at any depth but not the bare domain", () => {
    expect(match("a.b.example.com", "/")).toBe("wild");
    expect(match("example.com", "/")).toBe("any");
    expect(match("notexample.com", "/")).toBe("any");
  });

  it("the longer suffix wins, whatever the config order", () => {
    const short = route("short", "*.example.com");
    const long = route("long", "*.api.example.com");
    for (const order of [
      [short, long],
      [long, short],
    ]) {
      const m = matcher(order);
      expect(m("v1.api.example.com", "/")).toBe("long");
      expect(m("api.example.com", "/")).toBe("short");
      expect(m("www.example.com", "/")).toBe("short");
    }
  });

  it("an exact host whose paths do not match falls through to wildcards", () => {
    const m = matcher([route("exact-v1", "api.example.com", "/v1"), route("wild", "*.example.com")]);
    expect(m("api.example.com", "/v1/users")).toBe("exact-v1");
    expect(m("api.example.com", "/v2/users")).toBe("wild");
  });

  it("ignores the port, letter case and a trailing dot of the request host", () => {
    const m = matcher([route("exact", "API.Example.com"), route("wild", "*.Example.COM")]);
    expect(m("api.example.com:8443", "/")).toBe("exact");
    expect(m("API.EXAMPLE.COM", "/")).toBe("exact");
    expect(m("api.example.com.", "/")).toBe("exact");
    expect(m("WWW.example.com:80", "/")).toBe("wild");
  });

  it("normaliseHost keeps IPv6 literals whole", () => {
    expect(normaliseHost("[::1]:8787")).toBe("[::1]");
    expect(normaliseHost("[2001:DB8::1]")).toBe("[2001:db8::1]");
    expect(normaliseHost("Example.COM:443")).toBe("example.com");
  });
});

describe("path prefixes", () => {
  it("the longest pathPrefix wins within a host, whatever the config order", () => {
    const m = matcher([route("root", "*", "/"), route("api", "*", "/api"), route("v1", "*", "/api/v1")]);
    expect(m("h", "/api/v1/users")).toBe("v1");
    expect(m("h", "/api/v2")).toBe("api");
    expect(m("h", "/other")).toBe("root");
    const reversed = matcher([route("v1", "*", "/api/v1"), route("root", "*", "/"), route("api", "*", "/api")]);
    expect(reversed("h", "/api/v1/users")).toBe("v1");
    expect(reversed("h", "/api")).toBe("api");
  });

  it('"/api" matches whole segments: "/api", "/api/", "/api/x", not "/apix"', () => {
    expect(pathMatches("/api", "/api")).toBe(true);
    expect(pathMatches("/api", "/api/")).toBe(true);
    expect(pathMatches("/api", "/api/x/y")).toBe(true);
    expect(pathMatches("/api", "/apix")).toBe(false);
    expect(pathMatches("/api", "/ap")).toBe(false);
    expect(pathMatches("/api", "/")).toBe(false);
    expect(pathMatches("/api", "/v1/api")).toBe(false);
  });

  it('a trailing "/" on a prefix is ignored, as the Gateway API says: "/api/" matches "/api" too', () => {
    expect(pathMatches("/api/", "/api/")).toBe(true);
    expect(pathMatches("/api/", "/api/x")).toBe(true);
    expect(pathMatches("/api/", "/api")).toBe(true);
    expect(pathMatches("/api/", "/apix")).toBe(false);
  });

  it('"/" matches every path', () => {
    expect(pathMatches("/", "/")).toBe(true);
    expect(pathMatches("/", "/anything/at/all")).toBe(true);
  });

  it("a table falls back from /apix to the root route", () => {
    const m = matcher([route("api", "*", "/api"), route("root", "*", "/")]);
    expect(m("h", "/apix")).toBe("root");
    expect(m("h", "/api")).toBe("api");
  });
});

describe("ties and misses", () => {
  it("routes with equal host and prefix keep config order", () => {
    const m = matcher([route("first", "*", "/api"), route("second", "*", "/api")]);
    expect(m("h", "/api")).toBe("first");
    const n = matcher([route("second", "*", "/api"), route("first", "*", "/api")]);
    expect(n("h", "/api")).toBe("second");
  });

  it("no matching route gives undefined", () => {
    const m = matcher([route("exact", "api.example.com"), route("wild", "*.example.org", "/v1")]);
    expect(m("other.example.com", "/")).toBeUndefined();
    expect(m("www.example.org", "/v2")).toBeUndefined();
    expect(matcher([])("h", "/")).toBeUndefined();
  });

  it("works on a compiled config's table", () => {
    const config = compile({
      origins: makeOrigins(1),
      pools: [makePool("p", ["o0"])],
      routes: [makeRoute("all", ["p"]), makeRoute("api", ["p"], { match: { host: "api.example.com", pathPrefix: "/v1" } })],
    });
    expect(config.table.match("api.example.com", "/v1/x")?.route.id).toBe("api");
    expect(config.table.match("api.example.com", "/v10")?.route.id).toBe("all");
  });
});

describe("a large table", () => {
  it("1,000 routes still each match correctly", () => {
    const routes: MatchableRoute[] = [];
    for (let i = 0; i < 250; i++) {
      routes.push(route(`exact-${i}`, `svc${i}.example.com`, "/"));
      routes.push(route(`exact-${i}-api`, `svc${i}.example.com`, `/api${i}`));
      routes.push(route(`wild-${i}`, `*.t${i}.example.net`, "/"));
      routes.push(route(`any-${i}`, "*", `/p${i}`));
    }
    expect(routes).toHaveLength(1_000);
    const m = matcher(routes);
    const rnd = mulberry32(7);
    for (let n = 0; n < 2_000; n++) {
      const i = Math.floor(rnd() * 250);
      expect(m(`svc${i}.example.com`, "/")).toBe(`exact-${i}`);
      expect(m(`svc${i}.example.com`, `/api${i}/x`)).toBe(`exact-${i}-api`);
      expect(m(`svc${i}.example.com`, `/api${i}x`)).toBe(`exact-${i}`);
      expect(m(`a.b.t${i}.example.net`, "/whatever")).toBe(`wild-${i}`);
      expect(m("unknown.example.org", `/p${i}/q`)).toBe(`any-${i}`);
    }
    expect(m("unknown.example.org", "/nowhere")).toBeUndefined();
  });
});
