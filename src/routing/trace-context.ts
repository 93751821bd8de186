/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) for the hop from Edgeway to an
 * origin. A valid `traceparent` is continued: same trace id and flags, a new parent id (the
 * span of this hop, one per try, so retries and hedges are separate spans of one trace),
 * and `tracestate` is passed on. An absent or invalid one is replaced by a new trace, and
 * its `tracestate` dropped (§3.3.1: a vendor that cannot parse traceparent must not
 * forward the tracestate that goes with it). Pure: the caller hands in the random ids.
 */

/** The parts of a traceparent Edgeway keeps: the trace id and the trace flags. */
export interface TraceContext {
  /** 32 lowercase hex digits, not all zero. */
  readonly traceId: string;
  /** 2 lowercase hex digits; bit 0 is "sampled". */
  readonly flags: string;
}

/**
 * Flags of a trace Edgeway starts: sampled. OpenTelemetry's default sampler follows its
 * parent, so an unsampled root would silently turn off tracing at every origin that had it
 * on before Edgeway stood in front of it; sampled keeps their behaviour as it was.
 */
export const NEW_TRACE_FLAGS = "01";

const ZERO_TRACE_ID = "00000000000000000000000000000000";
const ZERO_SPAN_ID = "0000000000000000";

/** Whether every character of `value` from `start` to `end` is a lowercase hex digit. */
function isLowerHex(value: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = value.charCodeAt(i);
    // 0-9 or a-f
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/**
 * Parses a traceparent header value (§3.2): `version-traceid-parentid-flags`, lowercase
 * hex, version not "ff", trace and parent ids not all zero. Version 00 is exactly 55
 * characters; a later version may carry more after a "-" (§3.2.4: parse what version 00
 * defines). Returns undefined for anything else.
 */
export function parseTraceparent(value: string | null): TraceContext | undefined {
  if (value === null) return undefined;
  const header = value.trim();
  if (header.length < 55) return undefined;
  if (header[2] !== "-" || header[35] !== "-" || header[52] !== "-") return undefined;
  if (!isLowerHex(header, 0, 2) || !isLowerHex(header, 3, 35) || !isLowerHex(header, 36, 52) || !isLowerHex(header, 53, 55))
    return undefined;
  const version = header.slice(0, 2);
  if (version === "ff") return undefined;
  if (version === "00" ? header.length !== 55 : header.length > 55 && header[55] !== "-") return undefined;
  const traceId = header.slice(3, 35);
  if (traceId === ZERO_TRACE_ID || header.slice(36, 52) === ZERO_SPAN_ID) return undefined;
  return { traceId, flags: header.slice(53, 55) };
}

/** The traceparent for one hop: version 00, the trace's id and flags, this hop's span id (16 hex digits). */
export function formatTraceparent(trace: TraceContext, spanId: string): string {
  return `00-${trace.traceId}-${spanId}-${trace.flags}`;
}

/** A new trace with `traceId` (32 random hex digits), sampled. */
export function newTrace(traceId: string): TraceContext {
  return { traceId, flags: NEW_TRACE_FLAGS };
}
