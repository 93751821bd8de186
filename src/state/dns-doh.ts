/**
 * DNS over HTTPS (RFC 8484): one query as a GET with the message base64url-encoded in
 * `?dns=` and `accept: application/dns-message`, ID 0 so HTTP caches can share answers
 * (§4.1). The resolver is EDGEWAY_DOH_URL (default Cloudflare's public resolver). Every
 * call has a hard timeout (an outbound fetch has none of its own). An SRV answer whose
 * targets' addresses did not come in the additional section is completed with A queries
 * (AAAA when a target has no A record), so every origin is an address the policy can check.
 */
import { interpretAnswer } from "../discovery/dns-answer.ts";
import type { DnsAnswer } from "../discovery/dns-answer.ts";
import { serviceAddresses } from "../discovery/dns-name-state.ts";
import type { DnsOutcome } from "../discovery/dns-name-state.ts";
import { base64Url, decodeMessage, encodeQuery } from "../discovery/dns-wire.ts";
import type { DnsTypeName } from "../discovery/dns-wire.ts";
import { mapBounded } from "../health/probe-runner.ts";
import { errorMessage } from "../util/error-message.ts";

/** The resolver when EDGEWAY_DOH_URL is not set: Cloudflare's public one, which every colo reaches nearby. */
export const DEFAULT_DOH_URL = "https://cloudflare-dns.com/dns-query";
/** A resolver that has not answered in this long has failed this query (fail-static keeps the last answer). */
export const DOH_TIMEOUT_MS = 5_000;
/** DNS messages over HTTP are at most 65,535 bytes (RFC 8484 §6). */
const MAX_MESSAGE_BYTES = 65_535;
/** Names resolved at once: a DoH query is one subrequest, and an alarm should not hold hundreds open. */
export const RESOLVE_CONCURRENCY = 16;
/** SRV targets looked up at once, and at most, per answer. */
const TARGET_CONCURRENCY = 8;
const MAX_TARGETS = 64;

/** The resolver URL from the variable, or the default; a URL that does not parse is an error the caller logs. */
export function dohUrl(value: string | undefined): URL {
  return new URL(value === undefined || value === "" ? DEFAULT_DOH_URL : value);
}

/** One query over DoH, read as the answer for `name` and `type`. */
export async function queryDoh(resolver: URL, name: string, type: DnsTypeName, timeoutMs = DOH_TIMEOUT_MS): Promise<DnsAnswer> {
  const url = new URL(resolver);
  url.searchParams.set("dns", base64Url(encodeQuery(name, type)));
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: "application/dns-message" }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === "TimeoutError";
    return {
      kind: "failure",
      reason: timedOut
        ? `resolver ${resolver.host} did not answer within ${timeoutMs} ms`
        : `resolver ${resolver.host} unreachable: ${errorMessage(error)}`,
    };
  }
  const contentType = res.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (!res.ok || contentType !== "application/dns-message") {
    await res.body?.cancel();
    return { kind: "failure", reason: `resolver ${resolver.host} answered HTTP ${res.status} ${contentType ?? "(no content-type)"}` };
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (error) {
    return { kind: "failure", reason: `resolver ${resolver.host} broke off its answer: ${errorMessage(error)}` };
  }
  if (bytes.length > MAX_MESSAGE_BYTES) return { kind: "failure", reason: `resolver ${resolver.host} sent ${bytes.length} bytes` };
  try {
    return interpretAnswer(decodeMessage(bytes), name, type);
  } catch (error) {
    return { kind: "failure", reason: `malformed answer from ${resolver.host}: ${errorMessage(error)}` };
  }
}

/** A target's addresses: its A records, else its AAAA records. */
async function targetAddresses(
  resolver: URL,
  target: string,
  timeoutMs: number,
): Promise<{ addresses: string[]; ttl: number } | { failure: string }> {
  for (const type of ["A", "AAAA"] as const) {
    const answer = await queryDoh(resolver, target, type, timeoutMs);
    if (answer.kind === "failure") return { failure: `SRV target ${target}: ${answer.reason}` };
    if (answer.kind === "addresses") return { addresses: [...answer.addresses], ttl: answer.ttlSeconds };
  }
  return { addresses: [], ttl: Number.POSITIVE_INFINITY };
}

/** Resolves `name` as discovery needs it: addresses, with SRV targets' addresses looked up when the answer lacked them. */
export async function resolveDoh(resolver: URL, name: string, type: DnsTypeName, timeoutMs = DOH_TIMEOUT_MS): Promise<DnsOutcome> {
  const answer = await queryDoh(resolver, name, type, timeoutMs);
  if (answer.kind === "failure" || answer.kind === "empty") return answer;
  if (answer.kind === "addresses")
    return { kind: "resolved", ttlSeconds: answer.ttlSeconds, addresses: answer.addresses.map((address) => ({ address })) };
  const missing = [...new Set(answer.services.filter((s) => s.addresses === undefined).map((s) => s.target))].slice(0, MAX_TARGETS);
  const looked = await mapBounded(missing, TARGET_CONCURRENCY, (t) => targetAddresses(resolver, t, timeoutMs));
  const targets = new Map<string, readonly string[]>();
  let ttlSeconds = answer.ttlSeconds;
  for (const [i, result] of looked.entries()) {
    // One target that cannot be looked up fails the whole answer, so the last good one stays (fail-static).
    if ("failure" in result) return { kind: "failure", reason: result.failure };
    targets.set(missing[i] ?? "", result.addresses);
    ttlSeconds = Math.min(ttlSeconds, result.ttl);
  }
  const addresses = serviceAddresses(answer.services, targets);
  if (addresses.length === 0) return { kind: "empty", rcode: "NODATA", ttlSeconds: answer.ttlSeconds };
  return { kind: "resolved", ttlSeconds, addresses };
}
