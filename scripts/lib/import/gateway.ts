/**
 * `edgeway import --from gateway`: Gateway API HTTPRoutes (gateway.networking.k8s.io v1
 * and v1beta1) into routes, pools and origins, with the service map (kind
 * `EdgewayServiceMap`) that the Istio import uses to turn each backendRef's Service into
 * endpoint URLs.
 *
 * Edgeway's routing rules are the HTTPRoute's semantics, so a rule is carried field by
 * field (gateway/route.ts): each rule becomes one route whose match lists the route's
 * hostnames × the rule's matches, with the rule's filters, backendRefs as pools (weights
 * as `weighted` steering, backendRef filters as `poolFilters`), timeouts, retry and
 * session persistence. Precedence between matches is the spec's on both sides; the
 * spec's tie-break between routes (the oldest, then `namespace/name`) becomes document
 * order, and a match that an earlier one already makes unreachable is left out.
 *
 * Other Gateway API kinds (Gateway, GRPCRoute, TLSRoute…) are reported, not imported.
 */
import type { ConfigInput } from "../../../src/config/schema.ts";
import { IdAllocator } from "./ids.ts";
import { DropLog, ImportError, record, text } from "./model.ts";
import type { ImportResult, SourceDocument } from "./model.ts";
import { condKey, toRouteMatch } from "./istio/conditions.ts";
import type { RouteMatchIn } from "./istio/conditions.ts";
import { kindOf, nameOf, namespaceOf, unwrapLists } from "./istio/kubernetes.ts";
import { OriginPools } from "./istio/pools.ts";
import { readServiceMap, SERVICE_MAP_KIND } from "./istio/service-map.ts";
import { reportParents, reportStatus } from "./gateway/attachment.ts";
import type { RouteDoc } from "./gateway/attachment.ts";
import { planRoute } from "./gateway/route.ts";

type RouteIn = ConfigInput["routes"][number];

const GROUP = "gateway.networking.k8s.io";
const HTTPROUTE_VERSIONS = [`${GROUP}/v1`, `${GROUP}/v1beta1`];
/** Most matches one route holds (the config schema's bound); more are split over several routes. */
const MAX_MATCHES = 64;

/** Why another Gateway API kind is not imported. */
const OTHER_KINDS: Record<string, string> = {
  Gateway: "listeners, addresses and certificates are the worker's own (its routes and custom domains): not imported",
  GatewayClass: "Edgeway is itself the gateway: not imported",
  GRPCRoute: "gRPC routes are not imported: route the service's path prefix (/package.Service/) with an HTTPRoute",
  TLSRoute: "Edgeway routes HTTP requests, not TLS streams: not imported",
  TCPRoute: "Edgeway routes HTTP requests, not TCP streams: not imported",
  UDPRoute: "Edgeway routes HTTP requests, not UDP: not imported",
  ReferenceGrant: "Edgeway has no namespaces to grant across: every backendRef may name any service of the service map",
  BackendTLSPolicy: "TLS to origins follows the origin URL's scheme (mTLS: see docs/config.md): not imported",
};

function apiGroup(doc: SourceDocument): string {
  return (text(record(doc.value)?.["apiVersion"]) ?? "").split("/")[0] ?? "";
}

/** The routes in the order the spec breaks ties between them: the oldest first, then by `namespace/name`. */
function specOrder(routes: RouteDoc[]): RouteDoc[] {
  const created = (r: RouteDoc) => text(record(r.value["metadata"])?.["creationTimestamp"]) ?? "\uffff";
  return routes.sort((a, b) => {
    const byAge = created(a).localeCompare(created(b));
    return byAge !== 0 ? byAge : `${a.namespace ?? "default"}/${a.name}`.localeCompare(`${b.namespace ?? "default"}/${b.name}`);
  });
}

/**
 * Imports Gateway API documents: HTTPRoutes and at least one EdgewayServiceMap, alone or
 * in `kind: List` documents as `kubectl get -o yaml` prints them.
 */
export function importGateway(input: readonly SourceDocument[]): ImportResult {
  const docs = unwrapLists(input);
  const log = new DropLog();
  const found: RouteDoc[] = [];
  for (const doc of docs) {
    const kind = kindOf(doc);
    const value = record(doc.value) ?? {};
    if (kind === SERVICE_MAP_KIND) continue;
    if (kind === "HTTPRoute" && apiGroup(doc) === GROUP) {
      const version = text(value["apiVersion"]) ?? "";
      if (!HTTPROUTE_VERSIONS.includes(version))
        throw new ImportError(`${doc.source}: HTTPRoute ${version} is not importable (${HTTPROUTE_VERSIONS.join(", ")})`);
      const name = nameOf(value, "httproute");
      const spec = record(value["spec"]);
      if (spec === undefined) throw new ImportError(`${doc.source}: HTTPRoute ${name} has no spec`);
      found.push({ source: doc.source, name, namespace: namespaceOf(value), value, spec });
    } else if (apiGroup(doc) === GROUP || OTHER_KINDS[kind] !== undefined) {
      log.drop(
        doc.source,
        "(document)",
        `${kind} ${nameOf(value, "")}: ${OTHER_KINDS[kind] ?? "not an HTTPRoute: not imported"}`.replace(" :", ":"),
      );
    } else {
      throw new ImportError(
        `${doc.source}: kind ${JSON.stringify(kind)} is not importable (HTTPRoute, ${SERVICE_MAP_KIND}; other Gateway API kinds are reported)`,
      );
    }
  }
  const services = readServiceMap(docs);
  if (services.size === 0)
    throw new ImportError(`no ${SERVICE_MAP_KIND} given: Edgeway needs each service's endpoint URLs (see examples/import/gateway/)`);
  if (found.length === 0) throw new ImportError("nothing to import: no HTTPRoute given");

  const routes = specOrder(found);
  reportParents(routes, log);
  const ctx = { services, pools: new OriginPools(), log };
  const routeIds = new IdAllocator();
  const out: RouteIn[] = [];
  const claimed = new Map<string, string>();
  for (const route of routes) {
    reportStatus(route, log);
    for (const plan of planRoute(route, ctx)) {
      const matches: RouteMatchIn[] = [];
      for (const host of plan.hosts) {
        plan.conds.forEach((cond, k) => {
          const key = `${host} ${condKey(cond)}`;
          const owner = claimed.get(key);
          if (owner !== undefined) {
            log.drop(
              plan.source,
              plan.condPaths[k] ?? plan.path,
              `never reached for host ${host}: ${owner} has the same match and comes first (the oldest route, then namespace/name, then rule order): left out`,
            );
            return;
          }
          claimed.set(key, `${plan.source} ${plan.condPaths[k] ?? plan.path}`);
          matches.push(toRouteMatch(host, cond));
        });
      }
      for (let at = 0; at < matches.length; at += MAX_MATCHES) {
        const chunk = matches.slice(at, at + MAX_MATCHES);
        out.push({
          id: routeIds.take(plan.idBase),
          match: chunk.length === 1 ? (chunk[0] as RouteMatchIn) : chunk,
          ...plan.fields,
        } as RouteIn);
      }
    }
  }
  if (out.length === 0) throw new ImportError("nothing to import: no HTTPRoute rule could be mapped");
  return { config: { origins: ctx.pools.origins, pools: ctx.pools.pools, routes: out }, dropped: log.items };
}
