/**
 * Server-sent events for the stand-in origin, held at a point the test controls: event 0
 * goes out at once, the rest only after the test calls /__origin/release. A client that
 * reads event 0 before that call has read it before the origin finished, whatever the
 * timing: the proof that a proxy passes a stream through unbuffered is an ordering.
 */
import type { ServerResponse } from "node:http";

/** One held event stream: how far it got, and the call that lets it go on. */
export interface HeldStream {
  sent: number;
  finished: boolean;
  release(): void;
}

export type Streams = Map<string, HeldStream>;

/** Longest a stream waits for its release before it goes on by itself. */
const HOLD_LIMIT_MS = 10_000;
const EVENT_INTERVAL_MS = 100;

/** Answers /__origin/release and /__origin/streams; false for any other path. */
export function handleStreamControl(streams: Streams, url: URL, res: ServerResponse): boolean {
  if (url.pathname !== "/__origin/release" && url.pathname !== "/__origin/streams") return false;
  const stream = streams.get(url.searchParams.get("stream") ?? "");
  if (stream === undefined) {
    res.writeHead(404, { "content-type": "text/plain" }).end("no such stream\n");
    return true;
  }
  if (url.pathname === "/__origin/release") stream.release();
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ sent: stream.sent, finished: stream.finished }));
  return true;
}

/** Serves GET /sse?stream=S&events=N (N ≤ 50, default 5). */
export function serveEvents(streams: Streams, id: string, url: URL, res: ServerResponse): void {
  const name = url.searchParams.get("stream") ?? "default";
  const events = Math.min(50, Math.max(1, Number(url.searchParams.get("events") ?? "5") || 5));
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const stream: HeldStream = { sent: 0, finished: false, release };
  streams.set(name, stream);
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "x-origin-id": id });
  const send = (): void => {
    res.write(`id: ${stream.sent}\ndata: ${id} event ${stream.sent}\n\n`);
    stream.sent++;
  };
  send();
  const hold = setTimeout(release, HOLD_LIMIT_MS);
  void released.then(async () => {
    clearTimeout(hold);
    while (stream.sent < events && !res.destroyed) {
      await new Promise((r) => setTimeout(r, EVENT_INTERVAL_MS));
      send();
    }
    stream.finished = true;
    res.end();
  });
}
