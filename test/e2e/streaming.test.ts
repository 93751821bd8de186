/**
 * Streaming both ways on workerd with real origins: server-sent events pass through
 * unbuffered (shown by ordering: the client reads the first event while the origin is
 * still holding the rest back), a 100 MB upload streams to the origin once, byte for byte,
 * and compressed responses keep their Content-Encoding, Content-Length and ETag.
 */
import { describe, inject, it } from "vitest";
import { proxied, useConfig } from "../worker/helpers.ts";

const origins = inject("protocolOrigins");
const dead = inject("deadOrigin");
const p1 = origins.p1 ?? "";
const p2 = origins.p2 ?? "";

function singleOrigin(id: string, url: string): unknown {
  return { origins: [{ id, url }], pools: [{ id: "one", origins: [id] }], routes: [{ id: "stream", pools: ["one"] }] };
}

async function streamState(origin: string, stream: string, action: "streams" | "release"): Promise<{ sent: number; finished: boolean }> {
  const res = await fetch(`${origin}/__origin/${action}?stream=${stream}`);
  return (await res.json()) as { sent: number; finished: boolean };
}

async function originRequests(origin: string): Promise<number> {
  return ((await (await fetch(`${origin}/__origin/stats`)).json()) as { requests: number }).requests;
}

const CHUNK = 64 * 1024;

/** `total` bytes of a deterministic pattern, `CHUNK` at a time, made as they are read. */
function patternStream(total: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) {
        controller.close();
        return;
      }
      const size = Math.min(CHUNK, total - sent);
      const chunk = new Uint8Array(size);
      const words = new Uint32Array(chunk.buffer, 0, size >>> 2);
      let x = (sent / CHUNK + 1) * 2654435761;
      for (let i = 0; i < words.length; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        words[i] = x >>> 0;
      }
      sent += size;
      controller.enqueue(chunk);
    },
  });
}

async function sha256Hex(stream: ReadableStream<Uint8Array>): Promise<string> {
  const digest = new crypto.DigestStream("SHA-256");
  await stream.pipeTo(digest);
  return [...new Uint8Array(await digest.digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("streaming", () => {
  it("server-sent events reach the client while the origin is still sending", async ({ expect }) => {
    await useConfig(singleOrigin("p1", p1));
    const stream = `sse-${crypto.randomUUID()}`;
    const res = await proxied(`/sse?stream=${stream}&events=5`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = (res.body ?? new ReadableStream()).pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n\n")) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
    }
    expect(text).toContain("data: p1 event 0");
    // The origin has sent one event and holds the rest until released: the client got the
    // first event before the origin finished, so Edgeway did not buffer the stream.
    expect(await streamState(p1, stream, "streams")).toEqual({ sent: 1, finished: false });
    await streamState(p1, stream, "release");
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
    }
    const events = [...text.matchAll(/data: (.+)/g)].map((m) => m[1]);
    expect(events).toEqual(["p1 event 0", "p1 event 1", "p1 event 2", "p1 event 3", "p1 event 4"]);
    expect(await streamState(p1, stream, "streams")).toEqual({ sent: 5, finished: true });
  });

  // 100 MB through workerd twice (hash, then upload) takes ~12 s here: a generous bound for slower machines.
  it("streams a 100 MB upload past retries.maxBodyBytes to the origin once, every byte intact", { timeout: 120_000 }, async ({
    expect,
  }) => {
    await useConfig(singleOrigin("p2", p2));
    const size = 100 * 1024 * 1024;
    const expected = await sha256Hex(patternStream(size));
    const before = await originRequests(p2);
    // PUT is retryable, so Edgeway reads the body up to maxBodyBytes (1 MiB) before giving up on replay.
    const res = await proxied("/upload-hash", { method: "PUT", body: patternStream(size) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ origin: "p2", bytes: size, sha256: expected });
    expect(res.headers.get("x-edgeway-tries")).toBeNull();
    expect(await originRequests(p2)).toBe(before + 1);
  });

  it("an upload too large to replay is not retried when its origin fails, and the error says why", async ({ expect }) => {
    await useConfig({
      origins: [
        { id: "gone", url: dead },
        { id: "p2", url: p2 },
      ],
      pools: [
        { id: "a", origins: ["gone"] },
        { id: "b", origins: ["p2"] },
      ],
      routes: [{ id: "stream", pools: ["a", "b"], steering: "failover" }],
    });
    const before = await originRequests(p2);
    const res = await proxied("/upload-hash", { method: "PUT", body: patternStream(3 * 1024 * 1024) });
    expect(res.status).toBe(502);
    expect(res.headers.get("x-edgeway-retry-skipped")).toBe("body-too-large");
    expect(((await res.json()) as { error: string }).error).toContain("not retried: the request body is larger than retries.maxBodyBytes");
    expect(await originRequests(p2)).toBe(before);
  });

  it("keeps Content-Encoding, Content-Length and ETag of a compressed response, compressed once", async ({ expect }) => {
    await useConfig(singleOrigin("p1", p1));
    const direct = await fetch(`${p1}/gzip`);
    const directText = await direct.text();
    const res = await proxied("/gzip");
    expect(res.headers.get("content-encoding")).toBe("gzip");
    expect(res.headers.get("etag")).toBe('"p1-v1"');
    expect(res.headers.get("content-length")).toBe(direct.headers.get("content-length"));
    const text = await res.text();
    expect(text).toBe(directText);
    expect(text.startsWith("p1 says hello, compressed\n")).toBe(true);
  });
});
