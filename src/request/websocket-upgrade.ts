/**
 * Stage `websocket`: whether the request is a WebSocket handshake (RFC 6455 §4.1). On a
 * route that proxies them (`websockets: true`, the default) the handshake is steered like
 * any request and relayed (websocket-relay.ts); on a route with `websockets: false` the
 * plan holds the refusal instead: 403, and nothing is proxied.
 */
import { upgradesToWebSocket } from "../routing/upgrade.ts";
import { errorFor } from "./errors.ts";
import type { Stage } from "./stage.ts";

export const websocketUpgradeStage: Stage = {
  name: "websocket",
  run(context) {
    const { request } = context;
    // Only a GET can be a handshake; its Upgrade field, read here, is not looked for again when the origin's headers are made.
    if (request.method !== "GET") return undefined;
    const upgrade = request.headers.get("upgrade");
    context.upgradeAbsent = upgrade === null;
    context.websocket = upgradesToWebSocket(upgrade);
    return undefined;
  },
};

export const websocketRefusalStage: Stage = {
  name: "websocket refusal",
  run(context) {
    const { request } = context;
    if (request.method !== "GET") return undefined;
    const upgrade = request.headers.get("upgrade");
    context.upgradeAbsent = upgrade === null;
    if (!upgradesToWebSocket(upgrade)) return undefined;
    return errorFor(
      context,
      403,
      "websockets_disabled",
      `route "${context.route.id}" does not accept WebSocket upgrades (websockets: false)`,
    );
  },
};
