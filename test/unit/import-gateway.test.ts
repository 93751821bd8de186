/**
 * `edgeway import --from gateway`: HTTPRoutes as a cluster prints them (`kubectl get
 * httproute -o yaml`: a List, managedFields, status) plus a service map → a config that
 * validates and routes as the Gateway API specifies, with every loss reported and the
 * cluster's bookkeeping not reported.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it } from "vitest";
import type { Config } from "../../src/config/schema.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { compileRouteTable } from "../../src/routing/match.ts";
import { parseDocuments } from "../../scripts/lib/import/documents.ts";
import { importGateway } from "../../scripts/lib/import/gateway.ts";
import type { ImportResult } from "../../scripts/lib/import/model.ts";

const ROUTE = "examples/import/gateway/store-route.yaml";
const SERVICES = "examples/import/gateway/store-services.yaml";
const read = (file: string) => parseDocuments(readFileSync(file, "utf8"), file);

const MAP = `kind: EdgewayServiceMap
services:
  web:
    - { id: web-1, url: "http://10.0.0.1" }
    - { id: web-2, url: "http://10.0.0.2:9000" }
  web.staging:
    - { id: web-staging, url: "http://10.1.0.1:8080" }
  api:
    - { id: api-1, url: "http://10.0.1.1:8080" }
`;

/** One HTTPRoute as `kubectl get httproute -o yaml` prints it: metadata noise and status included. */
function kubectl(name: string, spec: string, opts: { created?: string; namespace?: string; status?: string } = {}): string {
  return `  - apiVersion: gateway.networking.k8s.io/v1
    kind: HTTPRoute
    metadata:
      annotations:
        kubectl.kubernetes.io/last-applied-configuration: '{"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute"}'
      creationTimestamp: "${opts.created ?? "2026-03-01T10:00:00Z"}"
      generation: 3
      managedFields:
        - apiVersion: gateway.networking.k8s.io/v1
          fieldsType: FieldsV1
          fieldsV1: { "f:spec": { "f:rules": {} } }
          manager: kubectl-client-side-apply
          operation: Update
          time: "2026-03-01T10:00:00Z"
      name: ${name}
      namespace: ${opts.namespace ?? "prod"}
      resourceVersion: "918273"
      uid: 6f1c2a9e-0000-4000-8000-00000000000${name.length}
    spec:
${spec
  .split("\n")
  .map((l) => `      ${l}`)
  .join("\n")}
    status:
      parents:
        - controllerName: gateway.envoyproxy.io/gatewayclass-controller
          parentRef: { group: gateway.networking.k8s.io, kind: Gateway, name: edge, namespace: infra }
          conditions:
${
  opts.status ??
  `            - { type: Accepted, status: "True", reason: Accepted, message: Route is accepted, lastTransitionTime: "2026-03-01T10:00:01Z", observedGeneration: 3 }
            - { type: ResolvedRefs, status: "True", reason: ResolvedRefs, message: Resolved all the Object references for the Route, lastTransitionTime: "2026-03-01T10:00:01Z", observedGeneration: 3 }`
}`;
}

function list(...items: string[]): string {
  return `apiVersion: v1\nkind: List\nmetadata: { resourceVersion: "" }\nitems:\n${items.join("\n")}\n---\n${MAP}`;
}

/** The imported config as validation parses it; an import that does not validate fails the test. */
function valid(result: ImportResult): Config {
  const checked = validateConfig(result.config);
  if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
  return checked.config;
}

function load(yaml: string): ImportResult & { valid: Config } {
  const result = importGateway(parseDocuments(yaml, "routes.yaml"));
  return { ...result, valid: valid(result) };
}

const reasons = (r: ImportResult) => Object.fromEntries(r.dropped.map((d) => [d.path, d.reason]));

function served(
  config: Config,
  host: string,
  path: string,
  req: { method?: string; headers?: Record<string, string>; query?: string } = {},
) {
  const table = compileRouteTable(config.routes);
  const facts = { method: req.method ?? "GET", headers: new Headers(req.headers ?? {}) };
  return table.match(host, path, facts, { searchParams: new URLSearchParams(req.query ?? "") })?.route.id;
}

const PARENT = "parentRefs: [{ name: edge, namespace: infra }]";

describe("import from the Gateway API", () => {
  it("imports the example (header, query, method and exact-path matches, header edits, rewrite, redirect, mirror) with nothing lost", ({
    expect,
  }) => {
    const imported = importGateway([...read(ROUTE), ...read(SERVICES)]);
    const r = { ...imported, valid: valid(imported) };
    expect(r.dropped).toEqual([]);
    const host = "store.example.com";
    expect(served(r.valid, host, "/checkout/cart", { headers: { "x-canary": "true" } })).toBe("store-checkout-canary");
    expect(served(r.valid, host, "/checkout/cart")).toBe("store-checkout");
    expect(served(r.valid, host, "/search", { query: "beta=1" })).toBe("store-search-beta");
    expect(served(r.valid, host, "/search/x", { query: "beta=1" })).toBe("store-default");
    expect(served(r.valid, host, "/api/orders", { method: "POST" })).toBe("store-orders-write");
    expect(served(r.valid, host, "/api/orders")).toBe("store-default");
    expect(served(r.valid, host, "/catalog/shoes")).toBe("store-old-catalog");
    const byId = Object.fromEntries(r.config.routes.map((x) => [x.id, x]));
    expect(byId["store-checkout"]).toMatchObject({ steering: "weighted", weights: { "store-v1": 90, "store-v2": 10 }, timeoutMs: 5000 });
    expect(byId["store-old-catalog"]).toMatchObject({ pools: [] });
    // The URLs name no port: each backendRef's port applies.
    expect(r.config.origins.map((o) => o.url).sort()).toEqual(["http://127.0.0.1:9101", "http://127.0.0.1:9102", "http://127.0.0.1:9103"]);
  });

  it("reads kubectl's List output and reports none of the cluster's bookkeeping", ({ expect }) => {
    const r = load(list(kubectl("web", `${PARENT}\nhostnames: [www.example.com]\nrules:\n  - backendRefs: [{ name: web, port: 80 }]`)));
    expect(r.dropped).toEqual([]);
    expect(r.config.routes).toEqual([{ id: "web-1", match: { host: "www.example.com", pathPrefix: "/" }, pools: ["web"] }]);
    // A port applies only where the endpoint URL names none.
    expect(r.config.origins.map((o) => o.url)).toEqual(["http://10.0.0.1:80", "http://10.0.0.2:9000"]);
  });

  it("reports what the cluster said about the route, listener sections, ports and routes of several Gateways", ({ expect }) => {
    const rejected = `            - { type: Accepted, status: "False", reason: NotAllowedByListeners, message: "No listeners allow this route" }`;
    const r = load(
      list(
        kubectl(
          "web",
          `parentRefs: [{ name: edge, namespace: infra, sectionName: https, port: 443 }]\nrules:\n  - backendRefs: [{ name: web, port: 80 }]`,
          {
            status: rejected,
          },
        ),
        kubectl(
          "api",
          `parentRefs: [{ name: internal }]\nhostnames: [api.example.com]\nrules:\n  - backendRefs: [{ name: api, port: 8080 }]`,
        ),
      ),
    );
    const why = reasons(r);
    expect(why["spec.parentRefs[0].sectionName"]).toMatch(/every listener/);
    expect(why["spec.parentRefs[0].port"]).toMatch(/every port/);
    expect(why["status.parents[0].conditions[0]"]).toMatch(
      /did not accept this route \(NotAllowedByListeners: No listeners allow this route\)/,
    );
    expect(why["spec.parentRefs"]).toMatch(/2 Gateways \(infra\/edge, prod\/internal\)/);
    expect(Object.keys(why).some((p) => p.startsWith("metadata"))).toBe(false);
  });

  it("makes one route per rule over hostnames × matches, with weights, backend filters and mirrors", ({ expect }) => {
    const r = load(
      list(
        kubectl(
          "web",
          `${PARENT}
hostnames: [www.example.com, "*.example.org"]
rules:
  - matches:
      - path: { type: Exact, value: /login }
      - path: { type: RegularExpression, value: "/u/[0-9]+" }
        headers: [{ name: X-Env, value: a }, { name: x-env, value: ignored }]
    filters:
      - type: RequestMirror
        requestMirror: { backendRef: { name: web, port: 80 }, fraction: { numerator: 1, denominator: 8 } }
    backendRefs:
      - { name: web, port: 80, weight: 3 }
      - name: web
        namespace: staging
        port: 8080
        weight: 1
        filters:
          - type: RequestHeaderModifier
            requestHeaderModifier: { add: [{ name: x-stage, value: "1" }] }`,
        ),
      ),
    );
    expect(r.dropped).toEqual([]);
    const [route] = r.config.routes;
    expect(route?.match).toEqual([
      { host: "www.example.com", path: { type: "Exact", value: "/login" } },
      {
        host: "www.example.com",
        path: { type: "RegularExpression", value: "/u/[0-9]+" },
        headers: [{ name: "X-Env", type: "Exact", value: "a" }],
      },
      { host: "*.example.org", path: { type: "Exact", value: "/login" } },
      {
        host: "*.example.org",
        path: { type: "RegularExpression", value: "/u/[0-9]+" },
        headers: [{ name: "X-Env", type: "Exact", value: "a" }],
      },
    ]);
    expect(route).toMatchObject({
      pools: ["web", "web-2"],
      steering: "weighted",
      weights: { web: 3, "web-2": 1 },
      poolFilters: { "web-2": [{ type: "RequestHeaderModifier", requestHeaderModifier: { add: [{ name: "x-stage", value: "1" }] } }] },
      // The mirror targets the route's own pool: it goes to a copy, counted apart.
      filters: [{ type: "RequestMirror", requestMirror: { pool: "web-mirror", fraction: { numerator: 1, denominator: 8 } } }],
    });
    // backendRef namespace "staging" finds the service map's web.staging.
    expect(r.config.pools.find((p) => p.id === "web-2")?.origins).toEqual(["web-staging"]);
  });

  it("answers 500 for a rule with no backend (none given, or all weighing 0), as the spec requires", ({ expect }) => {
    const r = load(
      list(
        kubectl(
          "web",
          `${PARENT}
rules:
  - matches: [{ path: { value: /empty } }]
  - matches: [{ path: { value: /zero } }]
    backendRefs: [{ name: web, port: 80, weight: 0 }]
  - backendRefs: [{ name: web, port: 80 }]`,
        ),
      ),
    );
    const fixed = { type: "FixedResponse", fixedResponse: { statusCode: 500 } };
    expect(r.config.routes.slice(0, 2).map((x) => [x.pools, x.filters])).toEqual([
      [[], [fixed]],
      [[], [fixed]],
    ]);
  });

  it("maps timeouts, retry and cookie session persistence; reports backoff, idle timeouts and out-of-range values", ({ expect }) => {
    const r = load(
      list(
        kubectl(
          "web",
          `${PARENT}
rules:
  - matches: [{ path: { value: /a } }]
    backendRefs: [{ name: web, port: 80 }]
    timeouts: { request: 1m30s, backendRequest: 500ms }
    retry: { attempts: 3, codes: [502, 503], backoff: 100ms }
    sessionPersistence: { sessionName: web-session, absoluteTimeout: 1h, idleTimeout: 10m, cookieConfig: { lifetimeType: Permanent } }
  - matches: [{ path: { value: /b } }]
    backendRefs: [{ name: web, port: 80 }]
    timeouts: { request: 0s, backendRequest: 10ms }`,
        ),
      ),
    );
    const [a, b] = r.config.routes;
    expect(a).toMatchObject({
      timeoutMs: 90_000,
      retries: { perTryTimeoutMs: 500, attempts: 3, on: ["connect-failure", "timeout", "502", "503"] },
      affinity: { type: "cookie", name: "web-session", ttlSeconds: 3600 },
    });
    // "0s" turns the timeout off: Edgeway's longest.
    expect(b).toMatchObject({ timeoutMs: 300_000, retries: { perTryTimeoutMs: 50 } });
    const why = reasons(r);
    expect(why["spec.rules[0].retry.backoff"]).toMatch(/at once/);
    expect(why["spec.rules[0].sessionPersistence.idleTimeout"]).toMatch(/lifetime/);
    expect(why["spec.rules[1].timeouts.backendRequest"]).toMatch(/10ms is outside .*50 ms is used/);
  });

  it("reports ExtensionRef, CORS and other kinds; leaves out a match it cannot take; refuses unknown kinds and versions", ({ expect }) => {
    const r = load(
      `${list(
        kubectl(
          "web",
          `${PARENT}
rules:
  - matches:
      - path: { type: RegularExpression, value: "(a)\\\\1" }
      - path: { value: /ok }
    filters:
      - type: ExtensionRef
        extensionRef: { group: gateway.envoyproxy.io, kind: HTTPRouteFilter, name: rate-limit }
      - type: CORS
        cors: { allowOrigins: ["https://a.example"] }
    backendRefs: [{ name: web, port: 80 }]`,
        ),
      )}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: { name: grpc }\nspec: {}\n`,
    );
    const why = reasons(r);
    expect(why["spec.rules[0].matches[0]"]).toMatch(/path\.value: "\(a\)\\\\1" is not a regular expression.*left out/);
    expect(why["spec.rules[0].filters[0]"]).toMatch(/gateway\.envoyproxy\.io\/HTTPRouteFilter\/rate-limit/);
    expect(why["spec.rules[0].filters[1]"]).toMatch(/CORS/);
    expect(r.dropped.find((d) => d.source === "routes.yaml#3")?.reason).toMatch(/^GRPCRoute grpc: gRPC routes are not imported/);
    expect(r.config.routes[0]?.match).toEqual({ host: "*", pathPrefix: "/ok" });
    const v1alpha2 = `apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: HTTPRoute\nmetadata: { name: old }\nspec: {}\n---\n${MAP}`;
    expect(() => importGateway(parseDocuments(v1alpha2, "old.yaml"))).toThrow(
      /old\.yaml#1: HTTPRoute gateway\.networking\.k8s\.io\/v1alpha2 is not importable/,
    );
    expect(() => importGateway(parseDocuments(`kind: Service\nmetadata: { name: web }\n---\n${MAP}`, "svc.yaml"))).toThrow(
      /svc\.yaml#1: kind "Service" is not importable/,
    );
    const unknown = list(kubectl("web", `rules:\n  - backendRefs: [{ name: nowhere, port: 80 }]`));
    expect(() => importGateway(parseDocuments(unknown, "u.yaml"))).toThrow(
      /spec\.rules\[0\]\.backendRefs\[0\]\.name nowhere is not in the EdgewayServiceMap/,
    );
  });

  it("breaks ties between routes as the spec does (the oldest first), leaving out the newer route's identical match", ({ expect }) => {
    const rule = (to: string) => `${PARENT}\nhostnames: [www.example.com]\nrules:\n  - backendRefs: [{ name: ${to}, port: 80 }]`;
    const r = load(list(kubectl("b-newer", rule("api"), { created: "2026-05-01T00:00:00Z" }), kubectl("a-older", rule("web"))));
    expect(r.config.routes.map((x) => x.id)).toEqual(["a-older-1"]);
    expect(reasons(r)["spec.rules[0]"]).toMatch(
      /never reached for host www\.example\.com: routes\.yaml#1#items\[1\] spec\.rules\[0\] has the same match/,
    );
  });

  it("runs from the CLI: the example exits 0", ({ expect }) => {
    const run = spawnSync(process.execPath, ["scripts/config-cli.ts", "import", "--from", "gateway", ROUTE, SERVICES], {
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(run.stderr).toMatch(/every field was imported/);
    expect(run.status).toBe(0);
    expect(validateConfig(JSON.parse(run.stdout)).ok).toBe(true);
  }, 30_000);
});
