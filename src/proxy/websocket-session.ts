/**
 * An open WebSocket as the rest of Edgeway sees it: outstanding on its origin and pool
 * from the 101 until the relay ends (so least-outstanding and latency steering count it),
 * and in `edgeway_websockets_open`, `edgeway_websockets_total` and, when it ends by an
 * error rather than a close, `edgeway_websocket_failures_total{stage="connection"}`.
 */
import type { CounterSeries, GaugeSeries } from "../observe/metrics.ts";
import { relayWebSocket } from "./websocket.ts";

export interface WebSocketSeries {
  readonly websocketsOpen: GaugeSeries;
  readonly websockets: CounterSeries;
  websocketFailures(stage: "connection"): CounterSeries;
}

export interface Outstanding {
  start(keys: readonly string[]): void;
  finish(keys: readonly string[]): void;
}

/** Relays the origin's socket to the client and tracks it until it ends. */
export function openWebSocketSession(
  socket: WebSocket,
  headers: Headers,
  keys: readonly string[],
  outstanding: Outstanding,
  series: WebSocketSeries,
): Response {
  outstanding.start(keys);
  series.websockets.inc();
  series.websocketsOpen.set(series.websocketsOpen.value + 1);
  return relayWebSocket(socket, headers, (clean) => {
    outstanding.finish(keys);
    series.websocketsOpen.set(Math.max(0, series.websocketsOpen.value - 1));
    if (!clean) series.websocketFailures("connection").inc();
  });
}
