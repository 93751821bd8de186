/**
 * Request bodies for retries and hedges. A body is a stream that can be read once, so a
 * request that may be sent twice needs its body in memory. Up to `retries.maxBodyBytes`
 * is buffered; a larger body is sent once, as it came, and the request is not retried.
 * A body without a Content-Length (chunked) is read until it ends or passes the limit;
 * in the second case the bytes already read are put back in front of the rest, so the
 * origin still receives the whole body.
 */

export type PreparedBody =
  | { readonly replayable: true; readonly body: ArrayBuffer | null }
  | { readonly replayable: false; readonly body: ReadableStream<Uint8Array> | null; readonly reason: "too-large" };

/**
 * Buffers the request body up to maxBytes so it can be sent again. With a Content-Length
 * above maxBytes the body is left untouched. Without a Content-Length (chunked) it reads
 * up to maxBytes+1 bytes: if the stream ended, the buffer is replayable; otherwise returns
 * a stream that yields the bytes already read then the rest, unreplayable.
 */
export async function prepareBody(request: Request, maxBytes: number): Promise<PreparedBody> {
  const body = request.body as ReadableStream<Uint8Array> | null;
  if (body === null) return { replayable: true, body: null };
  const declared = request.headers.get("content-length");
  const length = declared === null ? Number.NaN : Number(declared);
  // Declared too large: do not read a byte of it, so it streams to the origin untouched.
  if (Number.isFinite(length) && length > maxBytes) return { replayable: false, body, reason: "too-large" };
  // A declared length within the limit is read the same bounded way: a body is not
  // trusted to be as short as its header says.
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (total <= maxBytes) {
    const { done, value } = await reader.read();
    if (done) return { replayable: true, body: concat(chunks, total) };
    chunks.push(value);
    total += value.byteLength;
  }
  return { replayable: false, body: prepend(chunks, reader), reason: "too-large" };
}

function concat(chunks: readonly Uint8Array[], total: number): ArrayBuffer {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out.buffer;
}

/** A stream of `head` followed by what `reader` still has. */
function prepend(head: Uint8Array[], reader: ReadableStreamDefaultReader<Uint8Array>): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = head[next];
      if (chunk !== undefined) {
        // Drop the reference as it goes, so the buffered bytes can be freed while the rest streams.
        head[next++] = EMPTY;
        controller.enqueue(chunk);
        return;
      }
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

const EMPTY = new Uint8Array(0);
