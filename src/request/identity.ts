/**
 * Stage `identity`: the request's id and trace context, read once from the client's headers
 * (proxy/request-identity.ts), as the route's `traceContext` says: "start" (the default)
 * starts a trace for a request without a valid one, "continue" only continues one.
 */
import type { CompiledRoute } from "../config/compile.ts";
import { requestIdentity } from "../proxy/request-identity.ts";
import type { Stage } from "./stage.ts";

export const identityStage: Stage = {
  name: "identity",
  run(context) {
    context.identity = requestIdentity(context.headers);
    return undefined;
  },
};

const continuingIdentityStage: Stage = {
  name: "identity (continue traces only)",
  run(context) {
    context.identity = requestIdentity(context.headers, "continue");
    return undefined;
  },
};

/** The identity stage for `route`. */
export function identityStageFor(route: CompiledRoute): Stage {
  return route.source.traceContext === "continue" ? continuingIdentityStage : identityStage;
}
