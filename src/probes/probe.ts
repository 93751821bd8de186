/**
 * Runs one monitor against one origin: an HTTP(S) request with a hard timeout (an
 * outbound fetch has none of its own), or a TCP connect through `cloudflare:sockets`.
 */
import { connect } from "cloudflare:sockets";
import type { Monitor } from "../config/schema.ts";
import type { CompiledOrigin } from "../config/compile.ts";
import { expectedCodesMatcher } from "../health/expected-codes.ts";
import { errorMessage } from "../util/error-message.ts";
import type { ProbeResult } from "../health/probe-result.ts";
import { PROBE_REGION_HEADER } from "../config/probe-regions.ts";

/** What a probe needs of an origin (a region's probe object gets only this). */
export type ProbeTarget = Pick<CompiledOrigin, "id" | "url">;

/** Route 53 searches only the first 5,120 bytes of a body for the expected string. */
const BODY_SEARCH_BYTES = 5_120;

/** The URL a monitor probes on an origin: origin base path + monitor path. */
export function probeUrl(origin: ProbeTarget, monitor: Monitor): URL {
  const url = new URL(origin.url);
  if (monitor.type === "https") url.protocol = "https:";
  if (monitor.type === "http") url.protocol = "http:";
  if (monitor.port !== undefined) url.port = String(monitor.port);
  const base = url.pathname.endsWith("/") ? url.pathname.slice(0, -1) : url.pathname;
  url.pathname = base + monitor.path;
  return url;
}

async function readPrefix(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string> {
  if (body === null) return "";
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  try {
    while (bytes < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return text.slice(0, limit);
}

/** Describes a fetch or connect failure the way an operator wants to read it. */
export function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError"))
    return `timeout after ${timeoutMs} ms`;
  return `connect failed: ${errorMessage(error)}`;
}

async function probeHttp(origin: ProbeTarget, monitor: Monitor, started: number, region: string | undefined): Promise<ProbeResult> {
  const base = { originId: origin.id, monitorId: monitor.id, at: started, ...(region === undefined ? {} : { region }) };
  const signal = AbortSignal.timeout(monitor.timeoutMs);
  try {
    const response = await fetch(probeUrl(origin, monitor), {
      method: monitor.method,
      // The region header comes last: a monitor's own headers cannot disguise where a probe came from.
      headers: {
        "user-agent": "Edgeway-Health-Check/1",
        ...monitor.headers,
        ...(region === undefined ? {} : { [PROBE_REGION_HEADER]: region }),
      },
      redirect: monitor.followRedirects ? "follow" : "manual",
      signal,
    });
    const ok = expectedCodesMatcher(monitor.expectedCodes)(response.status);
    if (!ok) {
      await response.body?.cancel();
      return {
        ...base,
        ok,
        latencyMs: Date.now() - started,
        status: response.status,
        reason: `HTTP ${response.status} (expected ${monitor.expectedCodes})`,
      };
    }
    if (monitor.expectedBody !== undefined) {
      const text = await readPrefix(response.body, BODY_SEARCH_BYTES);
      const found = text.includes(monitor.expectedBody);
      const reason = found
        ? `HTTP ${response.status}`
        : `HTTP ${response.status} but the body lacks ${JSON.stringify(monitor.expectedBody)}`;
      return { ...base, ok: found, latencyMs: Date.now() - started, status: response.status, reason };
    }
    await response.body?.cancel();
    return { ...base, ok: true, latencyMs: Date.now() - started, status: response.status, reason: `HTTP ${response.status}` };
  } catch (error) {
    return { ...base, ok: false, latencyMs: Date.now() - started, reason: describeFailure(error, monitor.timeoutMs) };
  }
}

async function probeTcp(origin: ProbeTarget, monitor: Monitor, started: number, region: string | undefined): Promise<ProbeResult> {
  const base = { originId: origin.id, monitorId: monitor.id, at: started, ...(region === undefined ? {} : { region }) };
  const url = new URL(origin.url);
  const port = monitor.port ?? (url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port));
  const socket = connect({ hostname: url.hostname, port });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DOMException("probe timed out", "TimeoutError")), monitor.timeoutMs);
  });
  try {
    await Promise.race([socket.opened, timeout]);
    return { ...base, ok: true, latencyMs: Date.now() - started, reason: `TCP connect to port ${port}` };
  } catch (error) {
    return { ...base, ok: false, latencyMs: Date.now() - started, reason: describeFailure(error, monitor.timeoutMs) };
  } finally {
    clearTimeout(timer);
    socket.close().catch(() => undefined);
  }
}

/** Probes one origin with one monitor, from `region` when given (named in a request header). Never throws: a failure is a result. */
export function probe(origin: ProbeTarget, monitor: Monitor, region?: string): Promise<ProbeResult> {
  const started = Date.now();
  return monitor.type === "tcp" ? probeTcp(origin, monitor, started, region) : probeHttp(origin, monitor, started, region);
}
