/**
 * A request's id and trace context, read once per request from the client's headers:
 * `x-request-id` when valid (else a new one), and the W3C trace the request belongs to
 * (continued when the client's traceparent is valid, else a new one). Each try then gets
 * its own span id (`spanId()`), so retries and hedges are separate spans of one trace.
 *
 * Cost: ids are hex from a pool of random bytes filled 4 KiB at a time by the runtime's
 * CSPRNG, so a request costs one header read each for the three fields and a few string
 * concatenations, not a crypto call per id. Ids are not secrets; they need only be unique.
 */
import { isValidRequestId, REQUEST_ID_HEADER } from "../routing/request-id.ts";
import { newTrace, parseTraceparent } from "../routing/trace-context.ts";
import type { TraceContext } from "../routing/trace-context.ts";

const POOL_BYTES = 4096;
const pool = new Uint8Array(POOL_BYTES);
let next = POOL_BYTES;
const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** `bytes` random bytes as lowercase hex (2 × bytes digits). */
export function randomHex(bytes: number): string {
  if (next + bytes > POOL_BYTES) {
    crypto.getRandomValues(pool);
    next = 0;
  }
  let out = "";
  for (let i = next, end = next + bytes; i < end; i++) out += HEX[pool[i] ?? 0];
  next += bytes;
  return out;
}

/** A new span id for one try: 16 hex digits. */
export function spanId(): string {
  return randomHex(8);
}

export interface RequestIdentity {
  /** The client's valid x-request-id, or a new 32-hex-digit one. */
  readonly requestId: string;
  /** True when requestId is the client's own (so it is already in the forwarded headers). */
  readonly clientRequestId: boolean;
  /** The trace each try is a span of; undefined on a `traceContext: "continue"` route whose client sent no valid one. */
  readonly trace: TraceContext | undefined;
  /** True when the client's traceparent was valid and is continued (its tracestate goes with it). */
  readonly continued: boolean;
  /** True when no trace is sent: a `traceContext: "continue"` route whose client sent no valid traceparent. */
  readonly noTrace?: boolean;
  /** With noTrace: the client's traceparent was there but malformed. */
  readonly malformedTrace?: boolean;
}

/** A route's `traceContext`: start a trace for a request without a valid one, or only continue one. */
export type TraceMode = "start" | "continue";

/**
 * Reads (or makes) the request's id and trace from the client's headers. A request with
 * neither a valid id nor a valid traceparent gets one random id for both: the new trace's
 * id is also the request's (as AWS X-Ray's trace id is), one draw instead of two.
 */
export function requestIdentity(headers: Headers, mode: TraceMode = "start"): RequestIdentity {
  const given = headers.get(REQUEST_ID_HEADER);
  const clientRequestId = given !== null && isValidRequestId(given);
  const sent = headers.get("traceparent");
  const parent = parseTraceparent(sent);
  if (parent !== undefined) return { requestId: clientRequestId ? given : randomHex(16), clientRequestId, trace: parent, continued: true };
  if (mode === "continue")
    return {
      requestId: clientRequestId ? given : randomHex(16),
      clientRequestId,
      trace: undefined,
      continued: false,
      noTrace: true,
      malformedTrace: sent !== null,
    };
  const id = randomHex(16);
  return { requestId: clientRequestId ? given : id, clientRequestId, trace: newTrace(id), continued: false };
}
