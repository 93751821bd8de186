/**
 * Where an HTTPRoute is attached (`spec.parentRefs`) and what the cluster made of it
 * (`status.parents`). Edgeway is itself the gateway, so a route attached to one Gateway is
 * carried whole; what Edgeway cannot keep is reported: routes of several Gateways served
 * by one Edgeway, a listener picked by `sectionName` or `port`, a mesh (GAMMA) parent,
 * and a route the cluster's gateway did not accept or whose references did not resolve.
 * The rest of `status` and `metadata` (managedFields, uid, resourceVersion…) is
 * bookkeeping and is not reported.
 */
import { list, record, text } from "../model.ts";
import type { DropLog } from "../model.ts";

export interface RouteDoc {
  readonly source: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly value: Record<string, unknown>;
  readonly spec: Record<string, unknown>;
}

/** `namespace/name` of each Gateway the route attaches to. */
function gatewaysOf(route: RouteDoc): string[] {
  return list(route.spec["parentRefs"]).flatMap((p) => {
    const ref = record(p) ?? {};
    if ((text(ref["kind"]) ?? "Gateway") !== "Gateway") return [];
    return [`${text(ref["namespace"]) ?? route.namespace ?? "default"}/${text(ref["name"]) ?? "?"}`];
  });
}

/** Reports what the routes' parentRefs say that Edgeway cannot keep. */
export function reportParents(routes: readonly RouteDoc[], log: DropLog): void {
  const all = [...new Set(routes.flatMap(gatewaysOf))].sort();
  for (const route of routes) {
    list(route.spec["parentRefs"]).forEach((p, i) => {
      const ref = record(p) ?? {};
      const at = `spec.parentRefs[${i}]`;
      const kind = text(ref["kind"]) ?? "Gateway";
      if (kind !== "Gateway") {
        log.drop(
          route.source,
          at,
          `a ${kind} parent (mesh, GAMMA) routes traffic inside the cluster: Edgeway serves the route at the edge, for its hostnames`,
        );
        return;
      }
      if (ref["sectionName"] !== undefined)
        log.drop(
          route.source,
          `${at}.sectionName`,
          "Edgeway serves the route on every listener: the listener it was limited to is not kept",
        );
      if (ref["port"] !== undefined)
        log.drop(route.source, `${at}.port`, "Edgeway serves the route on every port: the listener port it was limited to is not kept");
    });
    const own = gatewaysOf(route);
    if (all.length > 1 && own.length > 0)
      log.drop(
        route.source,
        "spec.parentRefs",
        `the routes given attach to ${all.length} Gateways (${all.join(", ")}): one Edgeway serves them all, so a route no longer stays on its own Gateway`,
      );
  }
}

/** Reports a route the cluster's gateway did not accept, or whose references did not resolve. */
export function reportStatus(route: RouteDoc, log: DropLog): void {
  list(record(route.value["status"])?.["parents"]).forEach((p, i) => {
    const parent = record(p) ?? {};
    const controller = text(parent["controllerName"]) ?? "the gateway";
    list(parent["conditions"]).forEach((c, k) => {
      const condition = record(c) ?? {};
      if (text(condition["status"]) !== "False") return;
      const type = text(condition["type"]);
      const why = [text(condition["reason"]), text(condition["message"])].filter((s) => s !== undefined && s !== "").join(": ");
      const at = `status.parents[${i}].conditions[${k}]`;
      if (type === "Accepted")
        log.drop(
          route.source,
          at,
          `${controller} did not accept this route (${why}): it is imported as written, though the cluster did not serve it`,
        );
      else if (type === "ResolvedRefs")
        log.drop(
          route.source,
          at,
          `${controller} could not resolve some of its references (${why}): Edgeway resolves them through the service map`,
        );
    });
  });
}
