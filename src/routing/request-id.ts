/**
 * Request ids. A client's `x-request-id` is kept when it is a plausible id: 1–128
 * characters of letters, digits and `-_.:+/=@` (what UUIDs, ULIDs, base64 and the ids of
 * Heroku's router and of Envoy look like). Anything else — empty, too long, spaces,
 * control characters, quotes — is replaced by a new id, so an id can be written into
 * logs and headers as it is, and a client cannot inject log lines or headers through it.
 */

/** The header that carries the request id, both ways. */
export const REQUEST_ID_HEADER = "x-request-id";

/** Longest request id kept from a client. */
export const MAX_REQUEST_ID_LENGTH = 128;

const REQUEST_ID = /^[A-Za-z0-9\-_.:+/=@]{1,128}$/;

/** Whether a client's request id is kept as it is. */
export function isValidRequestId(value: string): boolean {
  return REQUEST_ID.test(value);
}
