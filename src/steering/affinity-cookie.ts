/**
 * The session-affinity cookie: `<origin id>.<expiry, epoch seconds>.<signature>`, where the
 * signature is HMAC-SHA-256 over route id, origin id and expiry (first 16 bytes,
 * base64url). A client cannot choose an origin by forging the cookie, nor carry one
 * from one route to another, nor keep one past its expiry.
 */

/** The cookie name when the route's affinity gives none. */
export const DEFAULT_AFFINITY_COOKIE = "__edgeway_affinity";

const encoder = new TextEncoder();
const SIGNATURE_BYTES = 16;

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Imports an HMAC key from a secret string. */
export function affinityKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(`edgeway-affinity:${secret}`), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

const keyCache = new Map<string, Promise<CryptoKey>>();

/**
 * The key affinity cookies are signed with: AFFINITY_KEY, else ADMIN_TOKEN (imported once
 * per isolate); undefined when neither is set, which turns cookie affinity off.
 */
export function cookieSigningKey(env: {
  readonly AFFINITY_KEY?: string | undefined;
  readonly ADMIN_TOKEN?: string | undefined;
}): Promise<CryptoKey> | undefined {
  const secret = env.AFFINITY_KEY ?? env.ADMIN_TOKEN;
  if (secret === undefined || secret === "") return undefined;
  let key = keyCache.get(secret);
  if (key === undefined) {
    key = affinityKey(secret);
    keyCache.set(secret, key);
  }
  return key;
}

async function signature(key: CryptoKey, routeId: string, originId: string, expires: number): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${routeId}\n${originId}\n${expires}`));
  return base64url(new Uint8Array(mac).slice(0, SIGNATURE_BYTES));
}

/** The cookie value pinning `originId` on `routeId` until `nowMs + ttlSeconds`. */
export async function signPin(key: CryptoKey, routeId: string, originId: string, nowMs: number, ttlSeconds: number): Promise<string> {
  const expires = Math.floor(nowMs / 1000) + ttlSeconds;
  return `${originId}.${expires}.${await signature(key, routeId, originId, expires)}`;
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** The origin id a cookie value pins, or undefined when it is malformed, forged or expired. */
export async function verifyPin(key: CryptoKey, routeId: string, value: string, nowMs: number): Promise<string | undefined> {
  const parts = value.split(".");
  if (parts.length < 3) return undefined;
  const mac = parts.pop() ?? "";
  const expiresText = parts.pop() ?? "";
  const originId = parts.join(".");
  if (!/^\d{1,12}$/.test(expiresText) || originId === "") return undefined;
  const expires = Number(expiresText);
  if (expires * 1000 <= nowMs) return undefined;
  return constantTimeEqual(mac, await signature(key, routeId, originId, expires)) ? originId : undefined;
}
