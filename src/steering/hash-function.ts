/**
 * The 32-bit hash behind `hash` steering: MurmurHash3 x86_32 (Austin Appleby's
 * reference, public domain) over a string's UTF-16 code units taken as little-endian
 * bytes. So `murmur3(s, seed)` equals the reference function over the UTF-16LE encoding
 * of `s`, and the published murmur3 test vectors check it (test/unit/steering-hash.test.ts).
 *
 * Why this one: two code units per 32-bit block means one multiply round per two
 * characters, with no UTF-8 encoding step and no allocation; murmur3's finaliser
 * (fmix32) avalanches well, so keys that differ in one character ("user-1", "user-2")
 * land far apart. It is built only from `charCodeAt`, `Math.imul`, shifts and `>>> 0`,
 * all exactly specified by ECMAScript, so workerd, Node and browsers agree bit for bit:
 * a key hashes to the same origin in every isolate of every colo.
 *
 * Not a cryptographic hash: a client who picks its own key can pick its origin. That is
 * no worse than choosing a header value, which the client already controls.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** murmur3's block scramble of one 32-bit word. */
function scramble(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

/** murmur3's finaliser: every input bit affects every output bit (a bijection on 32 bits). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * MurmurHash3 x86_32 of `text`'s UTF-16LE bytes with `seed`: an unsigned 32-bit integer.
 * Lone surrogates are hashed as the code units they are, so every string has a hash.
 */
export function murmur3(text: string, seed = 0): number {
  let h = seed | 0;
  const length = text.length;
  const even = length & ~1;
  let i = 0;
  for (; i < even; i += 2) {
    h ^= scramble(text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16));
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  // A trailing code unit is the reference's 2-byte tail.
  if (i < length) h ^= scramble(text.charCodeAt(i));
  h ^= length * 2;
  return fmix32(h);
}

/**
 * Hashes a 32-bit value under a 32-bit seed: MurmurHash3 x86_32 of the value's four
 * little-endian bytes (so `hashPair(x, s)` equals `murmur3` of the two code units of x).
 * Rendezvous steering hashes the request key once with `murmur3`, then calls this with
 * each origin's seed: a handful of multiplies per origin instead of rehashing the key.
 */
export function hashPair(value: number, seed: number): number {
  let h = seed ^ scramble(value);
  h = (h << 13) | (h >>> 19);
  h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  return fmix32(h ^ 4);
}
