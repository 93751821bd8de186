/**
 * Stage `websocket`: whether the request is a WebSocket handshake (RFC 6455 §4.1). On a
 * route that proxies them (`websockets: true`, the default) the handshake is steered like
 * any request and relayed (websocket-relay.ts); on a route with `websockets: false` the
 * plan holds the refusal instead: 403, and nothing is proxied.
 */
import { isWebSocketUpgrade } from "../routing/upgrade.ts";
import { errorFor } from "./errors.ts";
import type { Stage } from "./stage.ts";

export const websocketUpgradeStage: Stage = {
  name: "websocket",
  run(context) {
    context.websocket = isWebSocketUpgrade(context.request.method, context.request.headers);
    return undefined;
  },
};

export const websocketRefusalStage: Stage = {
  name: "websocket refusal",
  run(context) {
    if (!isWebSocketUpgrade(context.request.method, context.request.headers)) return undefined;
    return errorFor(
      context,
      403,
      "websockets_disabled",
      `route "${context.route.id}" does not accept WebSocket upgrades (websockets: false)`,
    );
  },
};
