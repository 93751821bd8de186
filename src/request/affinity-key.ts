/**
 * Stage `affinity key` (routes with `affinity: { type: "header" | "ip" }`): the session key
 * every pool then hashes on (steering/select.ts), so a client keeps its origin while that
 * origin is healthy.
 */
import type { CompiledRoute } from "../config/compile.ts";
import { DEFAULT_AFFINITY_HEADER } from "../steering/affinity.ts";
import type { Stage } from "./stage.ts";

/** The stage, or undefined when the route has no header or ip affinity. */
export function affinityKeyStage(route: CompiledRoute): Stage | undefined {
  const affinity = route.source.affinity;
  if (affinity?.type === "ip") {
    return {
      name: "affinity key (ip)",
      run(context) {
        context.affinityKey = context.client.ip;
        return undefined;
      },
    };
  }
  if (affinity?.type === "header") {
    const header = affinity.name ?? DEFAULT_AFFINITY_HEADER;
    return {
      name: "affinity key (header)",
      run(context) {
        context.affinityKey = context.headers.get(header) ?? undefined;
        return undefined;
      },
    };
  }
  return undefined;
}
