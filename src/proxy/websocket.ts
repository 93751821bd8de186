/**
 * Relays a WebSocket between the client and the origin after the origin's 101. Returning
 * the origin's 101 response as it is would also work (the runtime proxies it), but then
 * Edgeway could not see the connection end: an open WebSocket counts as outstanding on its
 * origin (least-outstanding and latency steering see it) and in `edgeway_websockets_open`,
 * which needs the close. So Edgeway accepts both ends and passes every message and the
 * close on as they come: one event listener call per message.
 */

/** Close codes an endpoint may send (RFC 6455 §7.4.1): 1005, 1006 and 1015 only describe a close, 1004 is reserved. */
function sendableCode(code: number): number {
  if (code === 1005) return 1000;
  if (code === 1006 || code === 1015) return 1011;
  if ((code >= 1000 && code <= 1014 && code !== 1004) || (code >= 3000 && code <= 4999)) return code;
  return 1000;
}

/** Passes messages from one socket to the other; closes the other when one closes or fails. */
function pipe(from: WebSocket, to: WebSocket, done: (clean: boolean) => void): void {
  from.addEventListener("message", (event) => {
    try {
      to.send(event.data);
    } catch {
      // The other end is closing: its close event ends the relay.
    }
  });
  from.addEventListener("close", (event) => {
    try {
      to.close(sendableCode(event.code), event.reason);
    } catch {
      // Already closed.
    }
    done(event.code !== 1006 && event.code !== 1011);
  });
  from.addEventListener("error", () => {
    try {
      to.close(1011, "the other side of the relay failed");
    } catch {
      // Already closed.
    }
    done(false);
  });
}

/**
 * The client's 101 for an origin's 101: a new socket pair relayed to the origin's socket.
 * `onClose` runs once when the relay ends (clean: a close frame from either side, not an error).
 */
export function relayWebSocket(origin: WebSocket, headers: Headers, onClose: (clean: boolean) => void): Response {
  const pair = new WebSocketPair();
  const client = pair[0];
  const edge = pair[1];
  let ended = false;
  const done = (clean: boolean): void => {
    if (ended) return;
    ended = true;
    onClose(clean);
  };
  edge.accept();
  origin.accept();
  pipe(edge, origin, done);
  pipe(origin, edge, done);
  return new Response(null, { status: 101, webSocket: client, headers });
}

/** Response headers of an origin's 101 that describe its own connection to Edgeway, not the client's. */
const HANDSHAKE_ONLY = ["sec-websocket-accept", "sec-websocket-extensions", "content-length", "connection", "upgrade"];

/** The origin's 101 headers the client gets (subprotocol, cookies, the origin's own fields). */
export function clientHandshakeHeaders(origin: Headers): Headers {
  const headers = new Headers(origin);
  for (const name of HANDSHAKE_ONLY) headers.delete(name);
  return headers;
}
