/**
 * The request's key for `hash` pool steering, as the pool's `hash` names it: a header's
 * value, a cookie's value, or the client IP. Undefined when the request has none, and
 * steering then spreads by weight instead.
 */
import type { HashKey } from "../config/schema.ts";

/**
 * Parses a `Cookie` request header into name → value (RFC 6265 §4.2.1 syntax, read
 * leniently as §5.4 user agents send it): pairs split on ";", each trimmed, split at the
 * first "="; a value wrapped in double quotes loses them (§4.1.1 cookie-value). Pairs
 * without "=" or with an empty name are skipped. No percent-decoding: RFC 6265 defines none.
 * When a name repeats, the first occurrence wins: user agents list cookies with longer
 * paths first (§5.4 step 2), so the first is the most specific one.
 */
export function parseCookies(header: string | null): Map<string, string> {
  const cookies = new Map<string, string>();
  if (header === null || header === "") return cookies;
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq < 0) continue;
    const name = pair.slice(0, eq).trim();
    if (name === "" || cookies.has(name)) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    cookies.set(name, value);
  }
  return cookies;
}

/**
 * The key `spec` names in this request: the header's value, the cookie's value, or
 * `clientIp`. An absent or empty value gives undefined, so clients without the key are
 * spread by weight instead of all landing on the one origin the empty string hashes to.
 */
/** `hash` steering without a `hash` key hashes the client IP (Cloudflare's hash steering). */
export const DEFAULT_HASH_KEY: HashKey = { source: "ip" };

export function requestHashKey(request: Request, spec: HashKey, clientIp: string | undefined): string | undefined {
  let value: string | null | undefined;
  if ("header" in spec) value = request.headers.get(spec.header);
  else if ("cookie" in spec) value = parseCookies(request.headers.get("cookie")).get(spec.cookie);
  else value = clientIp;
  return value === null || value === undefined || value === "" ? undefined : value;
}
