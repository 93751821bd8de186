/**
 * Stage `websocket relay` (routes that proxy WebSockets): an origin's 101 becomes the
 * client's socket, relayed and tracked until it ends (proxy/websocket-session.ts); a
 * handshake that got no 101 is counted as a handshake failure.
 */
import type { CompiledRoute } from "../config/compile.ts";
import { isolate } from "../isolate.ts";
import { requestMetrics } from "./series.ts";
import { clientHandshakeHeaders } from "../proxy/websocket.ts";
import { openWebSocketSession } from "../proxy/websocket-session.ts";
import type { Stage } from "./stage.ts";

export function websocketRelayStage(route: CompiledRoute): Stage {
  const series = requestMetrics.route(route);
  const exposeOrigin = route.source.exposeOrigin;
  return {
    name: "websocket relay",
    run(context) {
      if (!context.websocket) return undefined;
      const { last, response } = context;
      const socket = response !== undefined && response.status === 101 ? response.webSocket : null;
      if (socket === null || last === undefined || response === undefined) {
        series.path(last?.selection.pool, last?.selection.origin).websocketFailures("handshake").inc();
        return undefined;
      }
      const headers = clientHandshakeHeaders(response.headers);
      if (exposeOrigin) headers.set("x-edgeway-origin", last.selection.origin.id);
      context.response = openWebSocketSession(
        socket,
        headers,
        [last.selection.origin.id, last.selection.pool.key],
        isolate.outstanding,
        series.path(last.selection.pool, last.selection.origin),
      );
      context.untouched = false;
      return undefined;
    },
  };
}
