import { describe, expect, it } from "vitest";
import { prepareBody } from "../../src/proxy/replay-body.ts";

const URL_ = "http://edge.test/upload";

function bytes(n: number, seed = 7): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** A body stream that hands out `data` in chunks of `size` bytes, counting how many it gave. */
function chunked(data: Uint8Array, size: number): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let offset = 0;
  let pulls = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= data.byteLength) {
        controller.close();
        return;
      }
      pulls++;
      controller.enqueue(data.slice(offset, offset + size));
      offset += size;
    },
  });
  return { stream, pulled: () => pulls };
}

/** A request with a streamed body and no Content-Length. */
function chunkedRequest(stream: ReadableStream<Uint8Array>): Request {
  return new Request(URL_, { method: "PUT", body: stream, duplex: "half" } as RequestInit);
}

async function readAll(stream: ReadableStream<Uint8Array> | null): Promise<Uint8Array> {
  if (stream === null) return new Uint8Array(0);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

describe("prepareBody", () => {
  it("a request without a body is replayable, with a null body", async () => {
    const prepared = await prepareBody(new Request(URL_), 1024);
    expect(prepared).toEqual({ replayable: true, body: null });
  });

  it("buffers a small body with a Content-Length, byte for byte", async () => {
    const data = bytes(1000);
    const request = new Request(URL_, { method: "PUT", body: data, headers: { "content-length": "1000" } });
    const prepared = await prepareBody(request, 1024);
    expect(prepared.replayable).toBe(true);
    if (!prepared.replayable) return;
    expect(prepared.body).toBeInstanceOf(ArrayBuffer);
    expect(new Uint8Array(prepared.body ?? new ArrayBuffer(0))).toEqual(data);
  });

  it("buffers a body of exactly maxBytes", async () => {
    const data = bytes(64);
    const prepared = await prepareBody(new Request(URL_, { method: "PUT", body: data, headers: { "content-length": "64" } }), 64);
    expect(prepared.replayable).toBe(true);
    if (prepared.replayable) expect(prepared.body?.byteLength).toBe(64);
  });

  it("buffers an empty body with maxBytes 0", async () => {
    const prepared = await prepareBody(new Request(URL_, { method: "PUT", body: "", headers: { "content-length": "0" } }), 0);
    expect(prepared.replayable).toBe(true);
    if (prepared.replayable) expect(prepared.body?.byteLength ?? 0).toBe(0);
  });

  it("leaves a body whose Content-Length is over the limit unread, and it still yields every byte", async () => {
    const data = bytes(5000);
    const { stream, pulled } = chunked(data, 500);
    const request = new Request(URL_, {
      method: "PUT",
      body: stream,
      duplex: "half",
      headers: { "content-length": "5000" },
    } as RequestInit);
    const prepared = await prepareBody(request, 1024);
    expect(prepared).toMatchObject({ replayable: false, reason: "too-large" });
    // Nothing was consumed beyond what the stream queues by itself before anyone reads.
    expect(pulled()).toBeLessThanOrEqual(1);
    expect(await readAll(prepared.replayable ? null : prepared.body)).toEqual(data);
  });

  it("buffers a chunked body under the limit", async () => {
    const data = bytes(900);
    const { stream } = chunked(data, 100);
    const prepared = await prepareBody(chunkedRequest(stream), 1024);
    expect(prepared.replayable).toBe(true);
    if (prepared.replayable) expect(new Uint8Array(prepared.body ?? new ArrayBuffer(0))).toEqual(data);
  });

  it("a chunked body over the limit is not replayable, and the stream yields all the original bytes in order", async () => {
    const data = bytes(10_000, 3);
    const { stream } = chunked(data, 300);
    const prepared = await prepareBody(chunkedRequest(stream), 1024);
    expect(prepared).toMatchObject({ replayable: false, reason: "too-large" });
    if (prepared.replayable) return;
    const out = await readAll(prepared.body);
    expect(out.byteLength).toBe(10_000);
    expect(out).toEqual(data);
  });

  it("a chunked body one byte over the limit is not replayable", async () => {
    const data = bytes(65);
    const { stream } = chunked(data, 13);
    const prepared = await prepareBody(chunkedRequest(stream), 64);
    expect(prepared.replayable).toBe(false);
    if (!prepared.replayable) expect(await readAll(prepared.body)).toEqual(data);
  });

  it("does not trust a Content-Length that understates the body", async () => {
    const data = bytes(4000);
    const { stream } = chunked(data, 1000);
    const request = new Request(URL_, { method: "PUT", body: stream, duplex: "half", headers: { "content-length": "10" } } as RequestInit);
    const prepared = await prepareBody(request, 1024);
    expect(prepared.replayable).toBe(false);
    if (!prepared.replayable) expect(await readAll(prepared.body)).toEqual(data);
  });

  it("cancelling the returned stream cancels the request body", async () => {
    let cancelled: unknown;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(bytes(100));
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const prepared = await prepareBody(chunkedRequest(stream), 150);
    expect(prepared.replayable).toBe(false);
    if (prepared.replayable || prepared.body === null) throw new Error("expected a stream");
    await prepared.body.cancel("stop");
    expect(cancelled).toBe("stop");
  });
});
