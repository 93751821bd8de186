import { describe, expect, it } from "vitest";
import { formatPath, validateConfig } from "../../src/config/validate.ts";
import type { ConfigIssue } from "../../src/config/validate.ts";
import type { ConfigInput } from "../../src/config/schema.ts";
import { at, makeOrigins, makePool, makeRoute, multiCloud, multiCloudText, singlePool } from "./helpers/configs.ts";

/** The issues of a rejected document (fails the test when it was accepted). */
function issuesOf(input: unknown): readonly ConfigIssue[] {
  const result = validateConfig(input);
  if (result.ok) throw new Error("expected the config to be rejected, but it validated");
  return result.issues;
}

/** The one issue at `path`; fails when there is none. */
function issueAt(input: unknown, path: string): ConfigIssue {
  const issues = issuesOf(input);
  const found = issues.find((i) => i.path === path);
  if (found === undefined) throw new Error(`no issue at ${path}; got ${JSON.stringify(issues)}`);
  return found;
}

/** The multi-cloud example with `edit` applied. */
function edited(edit: (config: ConfigInput) => void): ConfigInput {
  const config = multiCloud();
  edit(config);
  return config;
}

describe("the shipped example", () => {
  it("examples/multi-cloud.json validates as written", () => {
    const result = validateConfig(JSON.parse(multiCloudText()));
    expect(result.ok ? [] : result.issues).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it("keeps the documented meaning", () => {
    const result = validateConfig(multiCloud());
    if (!result.ok) throw new Error("example rejected");
    const { config } = result;
    expect(config.origins.map((o) => o.id)).toEqual(["aws-use1", "aws-usw2", "gcp-euw1", "az-sea"]);
    expect(config.pools.map((p) => [p.id, p.steering, p.monitor])).toEqual([
      ["na", "weighted", "http"],
      ["eu", "weighted", "http"],
      ["apac", "weighted", "http"],
    ]);
    const route = at(config.routes, 0);
    expect(route.steering).toBe("geo");
    expect(route.fallbackPool).toBe("na");
    expect(route.geo).toEqual({ NA: ["na"], EU: ["eu"], AS: ["apac"], OC: ["apac"] });
  });
});

describe("defaults", () => {
  it("fills origin weight 1 and enabled true", () => {
    const result = validateConfig(edited((c) => delete at(c.origins, 0).weight));
    if (!result.ok) throw new Error("rejected");
    expect(at(result.config.origins, 0).weight).toBe(1);
    expect(at(result.config.origins, 0).enabled).toBe(true);
    expect(at(result.config.origins, 1).weight).toBe(1);
  });

  it("fills the monitor's timeout, interval, codes and thresholds", () => {
    const result = validateConfig(edited((c) => (c.monitors = [{ id: "http" }])));
    if (!result.ok) throw new Error("rejected");
    const monitor = at(result.config.monitors, 0);
    expect(monitor.timeoutMs).toBe(5_000);
    expect(monitor.intervalSeconds).toBe(60);
    expect(monitor.expectedCodes).toBe("2xx");
    expect(monitor.unhealthyThreshold).toBe(2);
    expect(monitor.healthyThreshold).toBe(2);
    expect(monitor.type).toBe("http");
    expect(monitor.path).toBe("/");
  });

  it("fills the route's timeout, retries, steering and match", () => {
    const result = validateConfig({ origins: makeOrigins(1), pools: [makePool("p", ["o0"])], routes: [{ id: "r", pools: ["p"] }] });
    if (!result.ok) throw new Error("rejected");
    const route = at(result.config.routes, 0);
    expect(route.timeoutMs).toBe(15_000);
    expect(route.retries.attempts).toBe(1);
    expect(route.retries.on).toEqual(["connect-failure", "timeout", "502", "503", "504"]);
    expect(route.steering).toBe("failover");
    expect(route.match).toEqual({ host: "*" });
    expect(route.exposeOrigin).toBe(true);
    expect(at(result.config.pools, 0).minHealthy).toBe(1);
    expect(at(result.config.pools, 0).steering).toBe("weighted");
    expect(result.config.monitors).toEqual([]);
  });

  it("fills retries.attempts 1 inside a partial retries object", () => {
    const result = validateConfig(singlePool({ route: { retries: { perTryTimeoutMs: 500 } } }));
    if (!result.ok) throw new Error("rejected");
    expect(at(result.config.routes, 0).retries.attempts).toBe(1);
    expect(at(result.config.routes, 0).retries.perTryTimeoutMs).toBe(500);
  });
});

describe("cross-references", () => {
  it("an unknown origin in a pool names pools[0].origins[1]", () => {
    const issue = issueAt(
      edited((c) => (at(c.pools, 0).origins = ["aws-use1", "gcp-x"])),
      "pools[0].origins[1]",
    );
    expect(issue.message).toContain('unknown origin "gcp-x"');
  });

  it("an origin listed twice in a pool is named", () => {
    const issue = issueAt(
      edited((c) => (at(c.pools, 0).origins = ["aws-use1", "aws-use1"])),
      "pools[0].origins[1]",
    );
    expect(issue.message).toContain("listed twice");
  });

  it("an unknown pool in a route names routes[0].pools[i]", () => {
    const issue = issueAt(
      edited((c) => (at(c.routes, 0).pools = ["na", "nope"])),
      "routes[0].pools[1]",
    );
    expect(issue.message).toContain('unknown pool "nope"');
  });

  it("an unknown pool in geo names routes[0].geo.<key>[i]", () => {
    const issue = issueAt(
      edited((c) => (at(c.routes, 0).geo = { EU: ["eu", "mars"] })),
      "routes[0].geo.EU[1]",
    );
    expect(issue.message).toContain('unknown pool "mars"');
  });

  it("an unknown fallbackPool names routes[0].fallbackPool", () => {
    const issue = issueAt(
      edited((c) => (at(c.routes, 0).fallbackPool = "nowhere")),
      "routes[0].fallbackPool",
    );
    expect(issue.message).toContain('unknown pool "nowhere"');
  });

  it("an unknown monitor names pools[1].monitor", () => {
    const issue = issueAt(
      edited((c) => (at(c.pools, 1).monitor = "tcp-check")),
      "pools[1].monitor",
    );
    expect(issue.message).toContain('unknown monitor "tcp-check"');
  });

  it("reports every problem at once, not only the first", () => {
    const issues = issuesOf(
      edited((c) => {
        at(c.pools, 0).origins = ["ghost"];
        at(c.routes, 0).fallbackPool = "nowhere";
      }),
    );
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(["pools[0].origins[0]", "routes[0].fallbackPool"]));
  });
});

describe("duplicate ids", () => {
  it("names the second origin with a used id", () => {
    const issue = issueAt(
      edited((c) => (at(c.origins, 2).id = "aws-use1")),
      "origins[2].id",
    );
    expect(issue.message).toContain('duplicate origin id "aws-use1"');
  });

  it("names the second pool with a used id", () => {
    const issue = issueAt(
      edited((c) => (at(c.pools, 2).id = "na")),
      "pools[2].id",
    );
    expect(issue.message).toContain('duplicate pool id "na"');
  });

  it("names the second route with a used id", () => {
    const config = edited((c) => c.routes.push(makeRoute("api", ["eu"], { match: { host: "*", pathPrefix: "/other" } })));
    const issue = issueAt(config, "routes[1].id");
    expect(issue.message).toContain('duplicate route id "api"');
  });

  it("names the second monitor with a used id", () => {
    const issue = issueAt(
      edited((c) => c.monitors?.push({ id: "http" })),
      "monitors[1].id",
    );
    expect(issue.message).toContain('duplicate monitor id "http"');
  });
});

describe("shape", () => {
  it("a route with no pools names routes[0].pools", () => {
    const issue = issueAt(
      edited((c) => (at(c.routes, 0).pools = [])),
      "routes[0].pools",
    );
    expect(issue.message).toContain("at least one pool");
  });

  it("a pool with no origins names pools[0].origins", () => {
    const issue = issueAt(
      edited((c) => (at(c.pools, 0).origins = [])),
      "pools[0].origins",
    );
    expect(issue.message).toContain("at least one origin");
  });

  it.each([
    ["not a URL", "not a url", "not a URL"],
    ["ftp://", "ftp://files.example.com/", "http:// or https://"],
    ["a query string", "http://127.0.0.1:9101/?a=1", "query string"],
    ["a fragment", "http://127.0.0.1:9101/#x", "fragment"],
    ["credentials", "https://user:pw@example.com", "credentials"],
  ])("a URL with %s names origins[1].url", (_, url, message) => {
    const issue = issueAt(
      edited((c) => (at(c.origins, 1).url = url)),
      "origins[1].url",
    );
    expect(issue.message).toContain(message);
  });

  it("accepts an https URL with a base path", () => {
    const result = validateConfig(edited((c) => (at(c.origins, 1).url = "https://api.example.com/base")));
    expect(result.ok).toBe(true);
  });

  it("a negative weight names origins[0].weight", () => {
    issueAt(
      edited((c) => (at(c.origins, 0).weight = -1)),
      "origins[0].weight",
    );
  });

  it("weight 0 is valid (drains the origin)", () => {
    expect(validateConfig(edited((c) => (at(c.origins, 0).weight = 0))).ok).toBe(true);
  });

  it("a bad id names the id field", () => {
    issueAt(
      edited((c) => (at(c.origins, 0).id = "has space")),
      "origins[0].id",
    );
  });

  it("bad expectedCodes names the monitor field", () => {
    const issue = issueAt(
      edited((c) => (c.monitors = [{ id: "http", expectedCodes: "ok" }])),
      "monitors[0].expectedCodes",
    );
    expect(issue.message).toContain("2xx");
  });

  it("an unknown top-level field is rejected and named", () => {
    const config: Record<string, unknown> = { ...multiCloud(), colour: "blue" };
    const issues = issuesOf(config);
    expect(issues).toHaveLength(1);
    expect(at(issues, 0).message).toContain("colour");
  });

  it("an unknown field inside an origin is rejected at that origin", () => {
    const config = multiCloud();
    Object.assign(at(config.origins, 3), { wieght: 2 });
    const issue = issueAt(config, "origins[3]");
    expect(issue.message).toContain("wieght");
  });

  it("a document that is not an object is rejected", () => {
    expect(issuesOf("hello").length).toBeGreaterThan(0);
    expect(issuesOf(null).length).toBeGreaterThan(0);
    expect(issuesOf([]).length).toBeGreaterThan(0);
  });
});

describe("regions and coordinates", () => {
  it("an unknown region is rejected and the close one suggested", () => {
    const issue = issueAt(
      edited((c) => (at(c.origins, 0).region = "aws:us-east-9")),
      "origins[0].region",
    );
    expect(issue.message).toContain('unknown region "aws:us-east-9"');
    expect(issue.message).toContain('did you mean "aws:us-east-1"');
  });

  it("an unknown region with lat/lon is valid (on-prem)", () => {
    const result = validateConfig(
      edited((c) => {
        const origin = at(c.origins, 0);
        origin.region = "onprem:dc1";
        origin.lat = 50;
        origin.lon = 8;
      }),
    );
    expect(result.ok ? [] : result.issues).toEqual([]);
  });

  it("lat without lon names origins[0].lon", () => {
    const issue = issueAt(
      edited((c) => (at(c.origins, 0).lat = 40)),
      "origins[0].lon",
    );
    expect(issue.message).toContain("lat and lon go together");
  });

  it("lon without lat names origins[0].lat", () => {
    issueAt(
      edited((c) => (at(c.origins, 0).lon = 40)),
      "origins[0].lat",
    );
  });

  it("lat without lon on a pool names the pool", () => {
    issueAt(
      edited((c) => (at(c.pools, 2).lat = 1)),
      "pools[2].lon",
    );
  });

  it("an out-of-range latitude names the field", () => {
    const issue = issueAt(
      edited((c) => {
        const origin = at(c.origins, 3);
        origin.lat = 91;
      }),
      "origins[3].lat",
    );
    expect(issue.message.length).toBeGreaterThan(0);
  });
});

describe("pools", () => {
  it("minHealthy above the number of origins names pools[i].minHealthy", () => {
    const issue = issueAt(
      edited((c) => (at(c.pools, 0).minHealthy = 3)),
      "pools[0].minHealthy",
    );
    expect(issue.message).toContain("only 2 origin");
  });

  it("minHealthy equal to the number of origins is valid", () => {
    expect(validateConfig(edited((c) => (at(c.pools, 0).minHealthy = 2))).ok).toBe(true);
  });

  it.each(["weighted", "round_robin", "random", "latency", "least_outstanding", "hash"] as const)(
    "pool steering %s is available",
    (steering) => {
      expect(validateConfig(edited((c) => (at(c.pools, 0).steering = steering))).ok).toBe(true);
    },
  );

  it("a steering name outside the schema is rejected", () => {
    const config = multiCloud();
    Object.assign(at(config.pools, 0), { steering: "fastest" });
    issueAt(config, "pools[0].steering");
  });
});

describe("routes", () => {
  it.each(["failover", "weighted", "geo", "proximity", "latency", "least_outstanding"] as const)(
    "route steering %s is available",
    (steering) => {
      expect(validateConfig(edited((c) => (at(c.routes, 0).steering = steering))).ok).toBe(true);
    },
  );

  it('a geo key that is no continent, country or colo ("EUROPE") is named', () => {
    const issue = issueAt(
      edited((c) => (at(c.routes, 0).geo = { EUROPE: ["eu"] })),
      "routes[0].geo.EUROPE",
    );
    expect(issue.message).toContain('"EUROPE"');
  });

  it.each(["EU", "DE", "country:NA", "continent:EU", "FRA", "colo:fra", "de"])("geo key %s is valid", (key) => {
    const result = validateConfig(edited((c) => (at(c.routes, 0).geo = { [key]: ["eu"] })));
    expect(result.ok ? [] : result.issues).toEqual([]);
  });

  it.each(["continent:XX", "country:DEU", "colo:FR", "E1"])("geo key %s is rejected", (key) => {
    issueAt(
      edited((c) => (at(c.routes, 0).geo = { [key]: ["eu"] })),
      `routes[0].geo.${key}`,
    );
  });

  it("weights naming a pool that is not in the route names routes[0].weights.<pool>", () => {
    const config = edited((c) => {
      const route = at(c.routes, 0);
      route.steering = "weighted";
      route.pools = ["na", "eu"];
      route.weights = { na: 90, eu: 10, apac: 5 };
    });
    const issue = issueAt(config, "routes[0].weights.apac");
    expect(issue.message).toContain('"apac" is not one of this route\'s pools');
  });

  it("all-zero weights on a weighted route name routes[0].weights", () => {
    const config = edited((c) => {
      const route = at(c.routes, 0);
      route.steering = "weighted";
      route.weights = { na: 0, eu: 0, apac: 0 };
    });
    const issue = issueAt(config, "routes[0].weights");
    expect(issue.message).toContain("weight 0");
  });

  it("weights that leave some pool out but give another weight > 0 are valid", () => {
    const config = edited((c) => {
      const route = at(c.routes, 0);
      route.steering = "weighted";
      route.weights = { eu: 1 };
    });
    expect(validateConfig(config).ok).toBe(true);
  });

  it("a negative route weight names the field", () => {
    const config = edited((c) => {
      const route = at(c.routes, 0);
      route.steering = "weighted";
      route.weights = { na: -1, eu: 1 };
    });
    issueAt(config, "routes[0].weights.na");
  });

  it("two routes with the same host and pathPrefix name the second's match", () => {
    const config = edited((c) => {
      at(c.routes, 0).match = { host: "API.example.com", pathPrefix: "/v1" };
      c.routes.push(makeRoute("api2", ["eu"], { match: { host: "api.example.com", pathPrefix: "/v1" } }));
    });
    const issue = issueAt(config, "routes[1].match");
    expect(issue.message).toContain("routes[0]");
  });

  it("same host with different pathPrefix is valid", () => {
    const config = edited((c) => {
      at(c.routes, 0).match = { host: "api.example.com", pathPrefix: "/v1" };
      c.routes.push(makeRoute("api2", ["eu"], { match: { host: "api.example.com", pathPrefix: "/v2" } }));
    });
    expect(validateConfig(config).ok).toBe(true);
  });

  it("a bad host pattern names routes[0].match.host", () => {
    issueAt(
      edited((c) => (at(c.routes, 0).match = { host: "api.*.com", pathPrefix: "/" })),
      "routes[0].match.host",
    );
  });

  it("a pathPrefix without a leading slash names routes[0].match.pathPrefix", () => {
    issueAt(
      edited((c) => (at(c.routes, 0).match = { host: "*", pathPrefix: "api" })),
      "routes[0].match.pathPrefix",
    );
  });

  it("a retry condition that is no condition, code or class names the field", () => {
    const config = multiCloud();
    Object.assign(at(config.routes, 0), { retries: { on: ["500", "reset"] } });
    issueAt(config, "routes[0].retries.on[1]");
  });

  it("accepts status codes and classes as retry conditions", () => {
    const config = multiCloud();
    Object.assign(at(config.routes, 0), { retries: { on: ["500", "5xx", "429", "timeout"] } });
    const result = validateConfig(config);
    expect(result.ok).toBe(true);
  });

  it("fills outlier detection defaults on every pool", () => {
    const result = validateConfig(multiCloud());
    if (!result.ok) throw new Error("expected a valid config");
    const od = at(result.config.pools, 0).outlierDetection;
    expect(od).toMatchObject({
      enabled: true,
      consecutive5xx: 5,
      consecutiveGatewayFailure: 3,
      baseEjectionSeconds: 30,
      maxEjectionSeconds: 300,
      maxEjectionPercent: 50,
    });
  });

  it("fills retry budget defaults", () => {
    const result = validateConfig(multiCloud());
    if (!result.ok) throw new Error("expected a valid config");
    expect(at(result.config.routes, 0).retries).toMatchObject({
      budgetPercent: 20,
      minRetriesPerSecond: 10,
      maxBodyBytes: 1_048_576,
      methods: ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"],
    });
  });
});

describe("formatPath", () => {
  it("formats keys with dots and indices with brackets", () => {
    expect(formatPath(["pools", 1, "origins", 0])).toBe("pools[1].origins[0]");
    expect(formatPath(["routes", 0, "geo", "EU", 2])).toBe("routes[0].geo.EU[2]");
    expect(formatPath(["origins"])).toBe("origins");
  });

  it("names the document itself when the path is empty", () => {
    expect(formatPath([])).toBe("(document)");
  });

  it("starts with a bracket when the first part is an index", () => {
    expect(formatPath([3, "id"])).toBe("[3].id");
  });
});

describe("geo keys that mean the same entry", () => {
  it("rejects EU and continent:EU on one route, naming the second", ({ expect }) => {
    const doc = multiCloud();
    (doc.routes[0] as { geo: Record<string, string[]> }).geo["continent:EU"] = ["eu"];
    const result = validateConfig(doc);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues).toContainEqual({ path: "routes[0].geo.continent:EU", message: 'means the same continent as "EU"' });
  });
});
