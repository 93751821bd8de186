/** `edgeway import --from istio`: VirtualService + DestinationRule + service map → a config that validates, with every loss reported. */
import { readFileSync } from "node:fs";
import { describe, it } from "vitest";
import { validateConfig } from "../../src/config/validate.ts";
import { parseDocuments } from "../../scripts/lib/import/documents.ts";
import { importIstio } from "../../scripts/lib/import/istio.ts";
import { ImportError } from "../../scripts/lib/import/model.ts";

const read = (file: string) => parseDocuments(readFileSync(file, "utf8"), file);
const DESIGN = "examples/import/istio/design-notes-virtualservice.yaml";
const REVIEWS = "examples/import/istio/reviews.yaml";
const REVIEWS_MAP = "examples/import/istio/reviews-services.yaml";
const MAP = `kind: EdgewayServiceMap
services:
  svc:
    - { url: "http://10.0.0.1:80", labels: { version: v1 } }
    - { url: "http://10.0.0.2:80", labels: { version: v2 } }
`;

function vs(http: string): string {
  return `kind: VirtualService
metadata: { name: vs }
spec:
  hosts: [svc.example.com]
  http:
${http}`;
}

describe("import from Istio", () => {
  it("imports the design notes' VirtualService and says its misplaced weight was ignored, not guessed", ({ expect }) => {
    const result = importIstio([...read(DESIGN), ...read("examples/import/istio/design-notes-services.yaml")]);
    expect(validateConfig(result.config).ok).toBe(true);
    expect(result.config.routes).toEqual([
      { id: "my-service-1", match: { host: "my-service", pathPrefix: "/" }, pools: ["my-service"], timeoutMs: 1000 },
    ]);
    const weight = result.dropped.find((d) => d.path === "spec.http[0].weight");
    expect(weight?.reason).toMatch(/only on a route destination/);
    expect(result.dropped.map((d) => d.path)).toContain("spec.gateways");
  });

  it("maps a canary: weighted subsets, retries, timeout, hash and outlier detection; the testers' header route is kept", ({ expect }) => {
    const result = importIstio([...read(REVIEWS), ...read(REVIEWS_MAP)]);
    const valid = validateConfig(result.config);
    expect(valid.ok).toBe(true);
    const api = result.config.routes.find((r) => r.id === "reviews-api");
    expect(api).toMatchObject({
      match: { host: "reviews.example.com", pathPrefix: "/api" },
      pools: ["reviews-v1", "reviews-v2"],
      steering: "weighted",
      weights: { "reviews-v1": 90, "reviews-v2": 10 },
      timeoutMs: 3000,
      retries: { attempts: 2, perTryTimeoutMs: 1000, on: ["502", "503", "504", "connect-failure"] },
    });
    const pools = Object.fromEntries(result.config.pools.map((p) => [p.id, p]));
    expect(pools["reviews-v1"]).toMatchObject({ origins: ["reviews-v1-a", "reviews-v1-b"], steering: "round_robin" });
    expect(pools["reviews-v2"]).toMatchObject({ steering: "hash", hash: { header: "x-user" } });
    expect(pools["reviews-v1"]?.outlierDetection).toEqual({
      consecutive5xx: 7,
      intervalSeconds: 5,
      baseEjectionSeconds: 15,
      maxEjectionPercent: 50,
    });
    // The header-matched v3 route is carried with its header match, not widened and not left out.
    expect(pools["reviews-v3"]).toMatchObject({ origins: ["reviews-v3-a"] });
    const testers = result.config.routes.find((r) => r.id === "reviews-test-users");
    expect(testers?.pools).toEqual(["reviews-v3"]);
    expect(testers?.match).toContainEqual({
      host: "reviews.example.com",
      pathPrefix: "/",
      headers: [{ name: "end-user", type: "Exact", value: "jason" }],
    });
    const paths = result.dropped.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(["spec.http[2].fault", "spec.trafficPolicy.connectionPool"]));
    expect(paths).not.toContain("spec.http[0].match[0]");
    expect(paths).not.toContain("spec.http[2].mirror");
  });

  it("defaults a pool with no DestinationRule to Istio's LEAST_REQUEST", ({ expect }) => {
    const docs = parseDocuments(`${vs("    - route: [{ destination: { host: svc } }]")}\n---\n${MAP}`, "in.yaml");
    expect(importIstio(docs).config.pools[0]?.steering).toBe("least_outstanding");
  });

  it("refuses destination weights that do not add up to 100, naming the file and path", ({ expect }) => {
    const docs = parseDocuments(
      `${vs(`    - route:
        - { destination: { host: svc, subset: a }, weight: 60 }
        - { destination: { host: svc, subset: b }, weight: 30 }`)}\n---\n${MAP}\n---\nkind: DestinationRule\nmetadata: { name: svc }\nspec: { host: svc, subsets: [{ name: a, labels: { version: v1 } }, { name: b, labels: { version: v2 } }] }\n`,
      "w.yaml",
    );
    expect(() => importIstio(docs)).toThrow(/w\.yaml#1: spec\.http\[0\]\.route weights add up to 90, not 100/);
  });

  it("refuses two VirtualServices claiming the same host and path, unknown kinds, a missing service map and unknown hosts", ({
    expect,
  }) => {
    const one = vs("    - route: [{ destination: { host: svc } }]");
    expect(() => importIstio(parseDocuments(`${one}\n---\n${one}\n---\n${MAP}`, "dup.yaml"))).toThrow(/already routed by dup\.yaml#1/);
    expect(() => importIstio(parseDocuments(`kind: Gateway\nspec: {}\n---\n${MAP}`, "gw.yaml"))).toThrow(
      /kind "Gateway" is not importable/,
    );
    expect(() => importIstio(parseDocuments(one, "vs.yaml"))).toThrow(/no EdgewayServiceMap given/);
    expect(() => importIstio(parseDocuments(`${vs("    - route: [{ destination: { host: other } }]")}\n---\n${MAP}`, "h.yaml"))).toThrow(
      /host other is not in the EdgewayServiceMap/,
    );
  });

  it("names the file and line of malformed YAML", ({ expect }) => {
    expect(() => parseDocuments("kind: VirtualService\nspec:\n  hosts: [a\n  http: 1\n", "bad.yaml")).toThrow(ImportError);
    expect(() => parseDocuments("kind: VirtualService\nspec:\n  hosts: [a\n  http: 1\n", "bad.yaml")).toThrow(/^bad\.yaml:\d+: /);
  });
});
