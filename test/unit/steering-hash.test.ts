import { describe, expect, it } from "vitest";
import type { CompiledOrigin, CompiledPool } from "../../src/config/compile.ts";
import { fmix32, hashPair, murmur3 } from "../../src/steering/hash-function.ts";
import { hash, rendezvousPick } from "../../src/steering/pool/hash.ts";
import { NO_SIGNALS } from "../../src/steering/types.ts";
import type { SteeringMemory } from "../../src/steering/types.ts";
import { compile, poolOf, singlePool } from "./helpers/configs.ts";
import { mulberry32 } from "./helpers/random.ts";

/** Pool "p" with one origin per weight (o0, o1, …). */
function poolWithWeights(weights: readonly number[]): CompiledPool {
  return poolOf(compile(singlePool({ origins: weights.length, origin: (i) => ({ weight: weights[i] ?? 1 }) })), "p");
}

/** The pool's origins whose ids are not listed. */
function without(pool: CompiledPool, ...ids: string[]): CompiledOrigin[] {
  return pool.origins.filter((o) => !ids.includes(o.id));
}

/** One pick for `key`, with fresh memory and a random source it must not need. */
function pickFor(
  pool: CompiledPool,
  key: string | undefined,
  candidates: readonly CompiledOrigin[] = pool.origins,
  memory: SteeringMemory = new Map(),
): string {
  const origin = hash.pick({ pool, candidates, client: {}, random: mulberry32(7), memory, signals: NO_SIGNALS, hashKey: key });
  if (origin === undefined) throw new Error(`no origin for key ${String(key)}`);
  return origin.id;
}

const KEYS = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);

/** key → origin id for every key in KEYS. */
function assign(pool: CompiledPool, candidates: readonly CompiledOrigin[] = pool.origins): Map<string, string> {
  return new Map(KEYS.map((key) => [key, pickFor(pool, key, candidates)] as const));
}

function counts(values: Iterable<string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/** Keys whose origin differs between two assignments. */
function moved(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  return KEYS.filter((key) => before.get(key) !== after.get(key));
}

/** A string whose UTF-16LE encoding is exactly `bytes` (even length). */
function fromUtf16leBytes(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode((bytes[i] ?? 0) | ((bytes[i + 1] ?? 0) << 8));
  return s;
}

describe("hash function (murmur3 x86_32 over UTF-16LE)", () => {
  // Published MurmurHash3_x86_32 vectors (inputs as bytes); each has an even byte count,
  // so it is exactly the UTF-16LE encoding of some string.
  const vectors: ReadonlyArray<readonly [string, number, number]> = [
    ["", 0, 0x00000000],
    ["", 1, 0x514e28b7],
    ["", 0xffffffff, 0x81f16f39],
    ["\0\0\0\0", 0, 0x2362f9de],
    ["aaaa", 0x9747b28c, 0x5a97808a],
    ["aa", 0x9747b28c, 0x5d211726],
    ["abcd", 0x9747b28c, 0xf0478627],
    ["ab", 0x9747b28c, 0x74875592],
    ["ππππππππ", 0x9747b28c, 0xd58063c1],
    ["abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 0, 0xee925b90],
  ];

  it.each(vectors)("matches the reference for %j (seed %i)", (bytes, seed, expected) => {
    expect(murmur3(fromUtf16leBytes(new TextEncoder().encode(bytes)), seed)).toBe(expected);
  });

  it("gives fixed values for ordinary keys (a change to the function remaps every key)", () => {
    expect(murmur3("a")).toBe(0x6f49d11a);
    expect(murmur3("user-42")).toBe(0xa121b969);
    expect(murmur3("203.0.113.7")).toBe(0x1d4386ca);
    expect(murmur3("2001:db8::1")).toBe(0x3de6e223);
    expect(murmur3("é")).toBe(0x41e915ff);
    expect(murmur3("😀")).toBe(0x56065e39);
    expect(murmur3("sid-9f8e7d6c5b4a")).toBe(0x560501d2);
  });

  it("hashPair is murmur3 of the value's four little-endian bytes", () => {
    expect(hashPair(0, 0)).toBe(0x2362f9de);
    expect(hashPair(0xdeadbeef, 0x9e3779b9)).toBe(0x1954da54);
    for (const [value, seed] of [
      [0x12345678, 99],
      [0xffffffff, 0],
      [1, 0x9e3779b9],
    ] as const) {
      expect(hashPair(value, seed)).toBe(murmur3(String.fromCharCode(value & 0xffff, value >>> 16), seed));
    }
  });

  it("returns unsigned 32-bit integers, also for lone surrogates", () => {
    for (const s of ["", "x", "\ud800", "a\udc00b", "x".repeat(1_001)]) {
      const h = murmur3(s);
      expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true);
    }
    expect(fmix32(-1)).toBeGreaterThanOrEqual(0);
  });
});

describe("hash pool steering (weighted rendezvous)", () => {
  it("is named hash", () => {
    expect(hash.name).toBe("hash");
  });

  it("is deterministic: the same key goes to the same origin across fresh calls", () => {
    const pool = poolWithWeights([1, 1, 1, 1, 1]);
    for (const key of KEYS.slice(0, 200)) {
      const first = pickFor(pool, key);
      expect(pickFor(pool, key)).toBe(first);
      expect(pickFor(pool, key, [...pool.origins].reverse()), "independent of candidate order").toBe(first);
    }
  });

  it("maps fixed keys to fixed origins (a change to the mapping is caught)", () => {
    const pool = poolWithWeights(Array.from({ length: 10 }, () => 1));
    const got = ["user-1", "user-2", "user-3", "203.0.113.7", "2001:db8::1", "sid-9f8e7d6c5b4a", "😀", ""].map((k) => pickFor(pool, k));
    expect(got).toEqual(["o8", "o5", "o8", "o5", "o7", "o5", "o3", "o3"]);
  });

  it("equals the textbook argmax of weight / -ln(u) (the log-skipping bound changes no pick)", () => {
    const weights = [1, 2, 3, 0.5, 7, 1, 1, 4, 2.5, 1];
    const pool = poolWithWeights(weights);
    // u as hash.ts derives it: the key's murmur3 (seed 0) mixed with the origin id's
    // murmur3 (seed 0x9e3779b9), mapped to (0, 1).
    const naive = (key: string): string => {
      const keyHash = murmur3(key, 0);
      let best = "";
      let bestScore = -Infinity;
      for (const origin of pool.origins) {
        const u = (hashPair(keyHash, murmur3(origin.id, 0x9e3779b9)) + 0.5) / 2 ** 32;
        const score = origin.weight / -Math.log(u);
        if (score > bestScore) [best, bestScore] = [origin.id, score];
      }
      return best;
    };
    for (const key of KEYS) expect(pickFor(pool, key), key).toBe(naive(key));
  });

  it.each([[[1, 1, 1]], [[3, 1]], [[5, 3, 2]]])("spreads 10,000 keys within ±3%% of the weight shares %j", (weights) => {
    const pool = poolWithWeights(weights);
    const c = counts(assign(pool).values());
    const total = weights.reduce((a, b) => a + b, 0);
    weights.forEach((w, i) => {
      expect(Math.abs((c[`o${i}`] ?? 0) / KEYS.length - w / total), `o${i}: ${c[`o${i}`]}`).toBeLessThanOrEqual(0.03);
    });
  });

  it("removing one of 10 origins moves only that origin's keys (~1/10), spread over the rest", () => {
    const pool = poolWithWeights(Array.from({ length: 10 }, () => 1));
    const before = assign(pool);
    const after = assign(pool, without(pool, "o3"));
    const changed = moved(before, after);
    for (const key of KEYS) {
      if (before.get(key) === "o3") expect(after.get(key)).not.toBe("o3");
      else expect(after.get(key), key).toBe(before.get(key));
    }
    expect(changed.every((key) => before.get(key) === "o3")).toBe(true);
    expect(changed.length).toBe(KEYS.filter((k) => before.get(k) === "o3").length);
    expect(changed.length / KEYS.length).toBeGreaterThanOrEqual(0.07);
    expect(changed.length / KEYS.length).toBeLessThanOrEqual(0.13);
    // The orphans spread evenly over the 9 survivors (~111 each), not onto one neighbour.
    const landed = counts(changed.map((key) => after.get(key) ?? ""));
    expect(Object.keys(landed).sort()).toEqual(
      without(pool, "o3")
        .map((o) => o.id)
        .sort(),
    );
    for (const n of Object.values(landed)) {
      expect(n).toBeGreaterThan(60);
      expect(n).toBeLessThan(170);
    }
  });

  it("adding an 11th origin moves ~1/11 of keys, all of them to the newcomer", () => {
    const pool = poolWithWeights(Array.from({ length: 11 }, () => 1));
    const before = assign(pool, without(pool, "o10"));
    const after = assign(pool);
    const changed = moved(before, after);
    expect(changed.every((key) => after.get(key) === "o10")).toBe(true);
    expect(changed.length).toBe(KEYS.filter((k) => after.get(k) === "o10").length);
    expect(Math.abs(changed.length / KEYS.length - 1 / 11)).toBeLessThanOrEqual(0.03);
  });

  it("raising one origin's weight moves keys only onto that origin", () => {
    const before = assign(poolWithWeights([1, 1, 1, 1]));
    const raised = poolWithWeights([2, 1, 1, 1]);
    const after = assign(raised);
    const changed = moved(before, after);
    expect(changed.every((key) => after.get(key) === "o0")).toBe(true);
    // o0 goes from 1/4 to 2/5 of the keys: 15% of all keys move, to o0.
    expect(Math.abs(changed.length / KEYS.length - 0.15)).toBeLessThanOrEqual(0.03);
  });

  it("a retry (first choice excluded) goes to the key's second choice, the same one every time", () => {
    const pool = poolWithWeights(Array.from({ length: 10 }, () => 1));
    const firstChoice = assign(pool);
    const withoutO0 = assign(pool, without(pool, "o0"));
    const secondOfO0: string[] = [];
    for (const key of KEYS) {
      const first = firstChoice.get(key) ?? "";
      const retry = pickFor(pool, key, without(pool, first));
      expect(retry).not.toBe(first);
      expect(pickFor(pool, key, without(pool, first)), "stable").toBe(retry);
      // Where o0's keys go on a retry is where they go if o0 leaves for good.
      if (first === "o0") {
        expect(retry).toBe(withoutO0.get(key));
        secondOfO0.push(retry);
      }
      // Excluding an origin that was not the key's choice changes nothing.
      const other = first === "o9" ? "o8" : "o9";
      expect(pickFor(pool, key, without(pool, other))).toBe(first);
    }
    // Retries of one origin's keys spread over all the others.
    expect(Object.keys(counts(secondOfO0)).length).toBe(9);
  });

  it("only ever picks a candidate, and serves a single candidate every time", () => {
    const pool = poolWithWeights([2, 1, 1, 3]);
    const two = pool.origins.filter((o) => o.id === "o0" || o.id === "o2");
    expect(Object.keys(counts(KEYS.slice(0, 1_000).map((k) => pickFor(pool, k, two)))).sort()).toEqual(["o0", "o2"]);
    const one = pool.origins.filter((o) => o.id === "o1");
    expect(new Set(KEYS.slice(0, 200).map((k) => pickFor(pool, k, one)))).toEqual(new Set(["o1"]));
  });

  it("rendezvousPick skips origins of weight 0 and answers undefined when none has weight", () => {
    const pool = poolWithWeights([1, 0, 1]);
    expect(KEYS.slice(0, 1_000).some((k) => rendezvousPick(k, pool.origins)?.id === "o1")).toBe(false);
    expect(
      rendezvousPick(
        "k",
        pool.origins.filter((o) => o.id === "o1"),
      ),
    ).toBeUndefined();
  });

  it("with no key, falls back to smooth weighted round robin: 3:1 gives 750/250 over 1,000 picks", () => {
    const pool = poolWithWeights([3, 1]);
    const memory: SteeringMemory = new Map();
    const ids = Array.from({ length: 1_000 }, () => pickFor(pool, undefined, pool.origins, memory));
    expect(counts(ids)).toEqual({ o0: 750, o1: 250 });
    expect(ids.slice(0, 4)).toEqual(["o0", "o0", "o1", "o0"]);
  });
});
