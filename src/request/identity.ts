/** Stage `identity`: the request's id and trace context, read once from the client's headers (proxy/request-identity.ts). */
import { requestIdentity } from "../proxy/request-identity.ts";
import type { Stage } from "./stage.ts";

export const identityStage: Stage = {
  name: "identity",
  run(context) {
    context.identity = requestIdentity(context.headers);
    return undefined;
  },
};
