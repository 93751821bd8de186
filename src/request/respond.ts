/**
 * Stage `respond`: every response Edgeway makes carries the request's id. The origin's
 * own response passed on as it came (`exposeOrigin: false`, nothing to strip) is not
 * copied for it: the id reached the origin, which may echo it.
 */
import { REQUEST_ID_HEADER } from "../routing/request-id.ts";
import type { Stage } from "./stage.ts";

export const respondStage: Stage = {
  name: "respond",
  run(context) {
    if (!context.untouched) context.response?.headers.set(REQUEST_ID_HEADER, context.identity.requestId);
    return undefined;
  },
};
