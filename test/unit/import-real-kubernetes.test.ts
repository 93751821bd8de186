/**
 * `import --from istio` and `--from gateway` on what `kubectl get … -o yaml` prints from
 * a real cluster (test/fixtures/import/istio/, test/fixtures/import/gateway/): Lists with
 * uid, resourceVersion, managedFields, the last-applied annotation, the defaults the API
 * server fills in and the status the controllers write, across namespaces. None of the
 * cluster's bookkeeping is reported; a service name used in two namespaces stays two
 * services.
 */
import { readFileSync } from "node:fs";
import { describe, it } from "vitest";
import { validateConfig } from "../../src/config/validate.ts";
import { parseDocuments } from "../../scripts/lib/import/documents.ts";
import { importGateway } from "../../scripts/lib/import/gateway.ts";
import { importIstio } from "../../scripts/lib/import/istio.ts";
import type { ImportResult, SourceDocument } from "../../scripts/lib/import/model.ts";

const read = (...files: string[]): SourceDocument[] => files.flatMap((f) => parseDocuments(readFileSync(f, "utf8"), f));
const ISTIO = read("test/fixtures/import/istio/bookinfo-kubectl.yaml", "test/fixtures/import/istio/bookinfo-services.yaml");
const GATEWAY = read("test/fixtures/import/gateway/store-kubectl.yaml", "test/fixtures/import/gateway/store-services.yaml");

function validated(result: ImportResult) {
  const valid = validateConfig(result.config);
  if (!valid.ok) throw new Error(JSON.stringify(valid.issues));
  return valid.config;
}

const byId = <T extends { id: string }>(items: readonly T[]): Record<string, T> => Object.fromEntries(items.map((x) => [x.id, x]));

/** VirtualService and DestinationRule of `reviews` in `namespace`, as kubectl prints them, sending everything to subset v1. */
function reviewsIn(namespace: string, host: string, lb: string, destination = "reviews"): string {
  return `- apiVersion: networking.istio.io/v1
  kind: VirtualService
  metadata: { name: reviews, namespace: ${namespace}, uid: vs-${namespace}, resourceVersion: "1", generation: 1 }
  spec:
    hosts: [${host}]
    http: [{ route: [{ destination: { host: ${destination}, subset: v1 } }] }]
  status: { observedGeneration: "1" }
- apiVersion: networking.istio.io/v1
  kind: DestinationRule
  metadata: { name: reviews, namespace: ${namespace}, uid: dr-${namespace}, resourceVersion: "2", generation: 1 }
  spec:
    host: reviews
    trafficPolicy: { loadBalancer: { simple: ${lb} } }
    subsets: [{ name: v1, labels: { version: v1 } }]`;
}

const TWO_NAMESPACES_MAP = `kind: EdgewayServiceMap
services:
  reviews.prod.svc.cluster.local: [{ id: prod-v1, url: "http://10.0.0.1:9080", labels: { version: v1 } }]
  reviews.staging: [{ id: staging-v1, url: "http://10.1.0.1:9080", labels: { version: v1 } }]
`;

describe("Istio objects as kubectl prints them", () => {
  it("imports the List: status, managedFields, annotations and a default exportTo are not reported", ({ expect }) => {
    const result = importIstio(ISTIO);
    const config = validated(result);
    // Only the DestinationRule's exportTo ["."] says something Edgeway does not do.
    expect(result.dropped.map((d) => `${d.source}: ${d.path}`)).toEqual([
      "test/fixtures/import/istio/bookinfo-kubectl.yaml#items[1]: spec.exportTo",
    ]);
    const routes = byId(config.routes);
    expect(routes["reviews-api"]).toMatchObject({
      pools: ["reviews-v1", "reviews-v2"],
      weights: { "reviews-v1": 90, "reviews-v2": 10 },
      timeoutMs: 3000,
    });
    expect(routes["reviews-default"]?.pools).toEqual(["reviews-v1"]);
    const pools = byId(config.pools);
    // The DestinationRule (host in full) applies to destinations written short and in full alike.
    expect(pools["reviews-v1"]).toMatchObject({ steering: "round_robin", outlierDetection: { consecutive5xx: 7 } });
    expect(pools["reviews-v2"]).toMatchObject({ steering: "hash", hash: { header: "x-user" } });
    // The service map's port is the service's: the destination's port.number adds nothing, one origin per endpoint.
    expect(config.origins.map((o) => o.url).sort()).toEqual(["http://10.20.1.11:9080", "http://10.20.2.11:9080", "http://10.20.3.11:9080"]);
  });

  it("keeps a service of one name in two namespaces apart: each VirtualService reaches its own endpoints and rule", ({ expect }) => {
    const list = `apiVersion: v1\nkind: List\nmetadata: { resourceVersion: "" }\nitems:\n${reviewsIn("prod", "reviews.example.com", "ROUND_ROBIN")}\n${reviewsIn("staging", "reviews.staging.example.com", "RANDOM")}`;
    const result = importIstio([...parseDocuments(list, "all.yaml"), ...parseDocuments(TWO_NAMESPACES_MAP, "map.yaml")]);
    const config = validated(result);
    expect(result.dropped).toEqual([]);
    const pools = byId(config.pools);
    const poolOf = (host: string) => pools[config.routes.find((r) => JSON.stringify(r.match).includes(`"${host}"`))?.pools[0] ?? ""];
    expect(poolOf("reviews.example.com")).toMatchObject({ origins: ["prod-v1"], steering: "round_robin" });
    expect(poolOf("reviews.staging.example.com")).toMatchObject({ origins: ["staging-v1"], steering: "random" });
  });

  it("refuses a short host that two namespaces' rules could mean, when its VirtualService has no namespace", ({ expect }) => {
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: front }
spec: { hosts: [front.example.com], http: [{ route: [{ destination: { host: reviews, subset: v1 } }] }] }`;
    const rules = `apiVersion: v1\nkind: List\nitems:\n${reviewsIn("prod", "a.example.com", "RANDOM")}\n${reviewsIn("staging", "b.example.com", "RANDOM")}`;
    const map = `kind: EdgewayServiceMap\nservices:\n  reviews: [{ url: "http://10.2.0.1", labels: { version: v1 } }]\n`;
    expect(() => importIstio([...parseDocuments(`${vs}\n---\n${rules}\n---\n${map}`, "mixed.yaml")])).toThrow(
      /mixed\.yaml#1: spec\.http\[0\]\.route\[0\]\.destination\.host reviews could be reviews\.prod or reviews\.staging/,
    );
  });

  it("still reads a DestinationRule written without a namespace for a VirtualService that has one", ({ expect }) => {
    const docs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: prod }
spec: { hosts: [reviews.example.com], http: [{ route: [{ destination: { host: reviews, subset: v1 } }] }] }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews }
spec: { host: reviews, trafficPolicy: { loadBalancer: { simple: RANDOM } }, subsets: [{ name: v1, labels: { version: v1 } }] }
---
${TWO_NAMESPACES_MAP}`;
    const config = validated(importIstio(parseDocuments(docs, "d.yaml")));
    expect(config.pools).toMatchObject([{ origins: ["prod-v1"], steering: "random" }]);
  });
});

describe("Gateway API objects as kubectl prints them", () => {
  it("imports the List: API-server defaults, bookkeeping and accepted status are not reported; the Gateway is", ({ expect }) => {
    const result = importGateway(GATEWAY);
    validated(result);
    expect(result.dropped.map((d) => [d.source, d.path])).toEqual([
      ["test/fixtures/import/gateway/store-kubectl.yaml#items[0]", "(document)"],
    ]);
    expect(result.dropped[0]?.reason).toMatch(/^Gateway edge: listeners, addresses and certificates are the worker's own/);
  });

  it("resolves each HTTPRoute's backendRefs in its own namespace", ({ expect }) => {
    const config = validated(importGateway(GATEWAY));
    const routes = byId(config.routes);
    const pools = byId(config.pools);
    const origins = (route: string) => (routes[route]?.pools ?? []).flatMap((p) => pools[p]?.origins ?? []);
    expect(origins("store-checkout")).toEqual(["store-v1-a", "store-v2-a"]);
    expect(routes["store-checkout"]?.weights).toEqual({ "store-v1": 90, "store-v2": 10 });
    expect(origins("store-admin-1")).toEqual(["admin-v1-a"]);
    expect(byId(config.origins)["admin-v1-a"]?.url).toBe("http://10.31.1.11:9101");
    expect(routes["store-admin-1"]?.filters).toEqual([
      { type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "x-admin", value: "1" }] } },
    ]);
  });
});
