/**
 * Stage `websocket`: whether the request is a WebSocket handshake (RFC 6455 §4.1). On a
 * route that proxies them (`websockets: true`, the default) the handshake is steered like
 * any request and relayed (websocket-relay.ts); on a route with `websockets: false` the
 * plan holds the refusal instead: 403, and nothing is proxied.
 */
import { upgradesToWebSocket } from "../routing/upgrade.ts";
import { errorFor } from "./errors.ts";
import type { RequestContext, Stage } from "./stage.ts";

/**
 * Whether the request is a WebSocket handshake. Only a GET can be one; its Upgrade field,
 * read here, is not looked for again when the origin's headers are made.
 */
function isHandshake(context: RequestContext): boolean {
  if (context.method !== "GET") return false;
  const upgrade = context.headers.get("upgrade");
  context.upgradeAbsent = upgrade === null;
  return upgradesToWebSocket(upgrade);
}

export const websocketUpgradeStage: Stage = {
  name: "websocket",
  run(context) {
    context.websocket = isHandshake(context);
    return undefined;
  },
};

export const websocketRefusalStage: Stage = {
  name: "websocket refusal",
  run(context) {
    if (!isHandshake(context)) return undefined;
    return errorFor(
      context,
      403,
      "websockets_disabled",
      `route "${context.route.id}" does not accept WebSocket upgrades (websockets: false)`,
    );
  },
};
