/**
 * `hash` pool steering: the same request key (client IP, a header or a cookie, as the
 * pool's `hash` says) goes to the same origin, by weighted rendezvous hashing (HRW,
 * Thaler & Ravishankar; the weighted form `weight / -ln(u)` of Schindelhauer & Schomaker).
 * Every candidate gets a score from a uniform hash u ∈ (0, 1) of (key, origin) and the
 * highest score serves. P(origin wins) = weight ÷ sum of weights, exactly.
 *
 * Why rendezvous rather than Maglev or a ring (Envoy's two consistent hashes, ANCHORS.md):
 * - Exact minimal disruption. A key's winner changes only when its winner leaves or a
 *   newcomer outscores it, so removing an origin moves only that origin's keys and adding
 *   one moves only the keys it takes, ~1/N either way. Maglev moves about twice what ring
 *   hash moves, and both move some keys between origins that stayed.
 * - Weights without rebuilds: a weight is a factor in the score, read at pick time.
 * - Nothing to cache per candidate set. Candidates change per isolate with its health
 *   snapshot, and per try (a retry excludes the origins already tried). Maglev's
 *   65,537-entry table would have to be rebuilt for every distinct set; here the
 *   candidates simply are the set, and a retry gets the key's next-highest-scoring origin,
 *   its second choice, which is where its keys would go if the first origin left for good.
 * Cost is O(N) per pick, fine at pool sizes: the key is hashed once, each origin's seed
 * is precomputed, and an origin costs one 32-bit mix and, for the few that come near the
 * lead, one log (measured on this project's 2-core machines, Node 22: ~0.15 µs per pick
 * at 3 candidates, ~1.3 µs at 100, ~11 µs at 1,000; the budget is < 5 µs at 100).
 *
 * Determinism: the hashes are exact integer arithmetic (hash-function.ts). `Math.log` is
 * only "implementation-approximated" by ECMAScript, but every isolate runs V8's port of
 * fdlibm, and a last-bit difference elsewhere could only flip a key whose two best
 * scores tie to within one ulp.
 *
 * No key (the request lacks the header, cookie or IP): smooth weighted round robin, so
 * the traffic still spreads by weight instead of piling onto one origin.
 */
import type { CompiledOrigin } from "../../config/compile.ts";
import type { PoolSteering } from "../types.ts";
import { hashPair, murmur3 } from "../hash-function.ts";
import { smoothWeightedPick } from "../smooth-weighted.ts";

/**
 * Seeds for hashing request keys and origin ids. Any fixed values do; they are part of
 * the mapping, so changing one moves every key (as a deploy of a new hash would).
 */
const KEY_SEED = 0;
const ORIGIN_SEED = 0x9e3779b9;

/** 2^-32: turns a 32-bit hash into u ∈ (0, 1) with (h + 0.5) · 2^-32, never 0 or 1. */
const UNIT = 1 / 4_294_967_296;

/**
 * Each origin's hash seed (a hash of its id), memoised by the compiled origin object. It
 * memoises a pure function, so picks stay pure (same inputs, same origin) whatever it
 * holds, and a miss only costs one short hash. Keyed weakly by the object rather than by
 * id in a Map: the entries live exactly as long as the compiled config that holds the
 * origins, so the cache is bounded with no cap to tune, and the look-up measured ~25%
 * faster. Not in the policy's `memory`: that map is per pool, its keys are origin ids the
 * smooth-weighted fallback already uses, and a seed is the same in every pool.
 */
const SEEDS = new WeakMap<CompiledOrigin, number>();

function seedOf(origin: CompiledOrigin): number {
  let seed = SEEDS.get(origin);
  if (seed === undefined) {
    seed = murmur3(origin.id, ORIGIN_SEED);
    SEEDS.set(origin, seed);
  }
  return seed;
}

/**
 * The rendezvous winner for `key` among `candidates` (those with weight > 0), or
 * undefined when none has weight. Exported for session affinity and `/explain`, which
 * must map a key exactly as steering does.
 */
export function rendezvousPick(key: string, candidates: readonly CompiledOrigin[]): CompiledOrigin | undefined {
  const keyHash = murmur3(key, KEY_SEED);
  let best: CompiledOrigin | undefined;
  let bestScore = -Infinity;
  for (const origin of candidates) {
    const weight = origin.weight;
    if (!(weight > 0)) continue;
    const u = (hashPair(keyHash, seedOf(origin)) + 0.5) * UNIT;
    // ln u ≤ u − 1, so weight ÷ (1 − u) bounds the score from above: most candidates lose
    // on this division alone and never pay for the log. The bound's margin over the true
    // score, (1 − u)/2 relative, is far above float rounding, so the skip is exact.
    if (weight / (1 - u) <= bestScore) continue;
    const score = weight / -Math.log(u);
    // An exact tie (same hash, same weight) goes to the smaller id, so the winner does not
    // depend on the order of the candidates.
    if (score > bestScore || (score === bestScore && best !== undefined && origin.id < best.id)) {
      bestScore = score;
      best = origin;
    }
  }
  return best;
}

export const hash: PoolSteering = {
  name: "hash",
  pick({ candidates, memory, hashKey }) {
    if (hashKey === undefined) {
      return candidates[smoothWeightedPick(candidates, (o) => o.weight, memory)];
    }
    return rendezvousPick(hashKey, candidates);
  },
};
