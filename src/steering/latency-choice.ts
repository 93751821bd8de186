/**
 * The one rule `latency` steering chooses by, for origins in a pool and for pools in a
 * route:
 *
 * - cost = estimate × (outstanding + 1): the peak-EWMA estimate decayed to now
 *   (latency.ts) times this isolate's tries in flight plus one, so a fast origin that is
 *   saturating is not flooded (Linkerd's and Finagle's peak-EWMA load).
 * - A key never measured is optimistic: it costs 0 while nothing is in flight to it, so it
 *   is tried at once, and `failurePenaltyMs` × (outstanding + 1) while its first try is
 *   out, so it is tried once, not flooded (Tower's 1 s for an unmeasured endpoint).
 * - The lowest cost wins; equal costs go by weight at random (pools) or to the first in
 *   order (routes, like failover).
 * - Exploration: each pick earns `explorePercent`/100 of a credit (at most 1 banked, a
 *   fresh pool or route starts with 1). With a whole credit, the stalest usable key other
 *   than the winner whose last sample is at least `exploreIntervalSeconds` old and that
 *   has nothing in flight takes the pick instead. So exploring is at most explorePercent
 *   of picks and at most one request per key per interval (while it is in flight and
 *   after its sample it is not stale), whichever is smaller, and no usable key goes
 *   unmeasured for long.
 *
 * Pure and allocation-free per pick: the state is one number in the pool's or route's
 * steering memory. The accessor functions are passed in so pools (origins) and routes
 * (pools) share the code.
 */
import type { LatencySettings } from "./latency.ts";
import type { RandomSource, SteeringMemory, SteeringSignals } from "./types.ts";

/** The steering-memory slot holding the exploration credit. */
export const EXPLORE_CREDIT = "latency.exploreCredit";

/** Cost of one key: estimate × (outstanding + 1), optimistic for a key never measured. */
export function latencyCost(key: string, signals: SteeringSignals, settings: LatencySettings): number {
  const outstanding = signals.outstanding(key);
  const estimate = signals.latencyMs(key, settings.decaySeconds * 1_000);
  if (estimate === undefined) return outstanding === 0 ? 0 : settings.failurePenaltyMs * (outstanding + 1);
  return estimate * (outstanding + 1);
}

/** Milliseconds since the key's last sample when that makes it due for exploring, else undefined. */
export function staleAgeMs(key: string, signals: SteeringSignals, settings: LatencySettings): number | undefined {
  const age = signals.latencyAgeMs?.(key);
  if (age === undefined || age < settings.exploreIntervalSeconds * 1_000 || signals.outstanding(key) !== 0) return undefined;
  return age;
}

/** How items are read: their signals key, whether they may serve, and their weight for ties. */
export interface LatencyItems<T> {
  readonly keyOf: (item: T) => string;
  /** Undefined: every item may serve. */
  readonly usable?: ((item: T) => boolean) | undefined;
  /** Undefined: ties go to the first in order. */
  readonly weightOf?: ((item: T) => number) | undefined;
}

/** The exploration credit a pool or route holds before its next pick. */
export function exploreCredit(memory: SteeringMemory): number {
  return memory.get(EXPLORE_CREDIT) ?? 1;
}

/**
 * Chooses one item by the rule above and spends or earns exploration credit in `memory`.
 * Returns its index, or -1 when no item may serve. One pass over the items: the stale
 * ones are looked for only when a whole credit is banked.
 */
export function chooseByLatency<T>(
  items: readonly T[],
  how: LatencyItems<T>,
  signals: SteeringSignals,
  settings: LatencySettings,
  memory: SteeringMemory,
  random: RandomSource,
): number {
  const exploring = settings.explorePercent > 0;
  const credit = exploring ? Math.min(1, exploreCredit(memory) + settings.explorePercent / 100) : 0;
  const looking = credit >= 1;
  let best = -1;
  let bestCost = Number.POSITIVE_INFINITY;
  let tiedWeight = 0;
  // The two stalest, so the stalest other than the winner is known whatever wins.
  let stale1 = -1;
  let age1 = -1;
  let stale2 = -1;
  let age2 = -1;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as T;
    if (how.usable !== undefined && !how.usable(item)) continue;
    const key = how.keyOf(item);
    const cost = latencyCost(key, signals, settings);
    if (cost < bestCost) {
      best = i;
      bestCost = cost;
      tiedWeight = how.weightOf?.(item) ?? 0;
    } else if (cost === bestCost && how.weightOf !== undefined) {
      // Weighted reservoir: each tied item ends up chosen with probability ∝ its weight.
      const w = how.weightOf(item);
      tiedWeight += w;
      if (tiedWeight > 0 && random() * tiedWeight < w) best = i;
    }
    if (looking) {
      const age = staleAgeMs(key, signals, settings);
      if (age !== undefined) {
        if (age > age1) {
          stale2 = stale1;
          age2 = age1;
          stale1 = i;
          age1 = age;
        } else if (age > age2) {
          stale2 = i;
          age2 = age;
        }
      }
    }
  }
  if (best < 0 || !exploring) return best;
  const explore = stale1 === best ? stale2 : stale1;
  if (looking && explore >= 0) {
    memory.set(EXPLORE_CREDIT, credit - 1);
    return explore;
  }
  memory.set(EXPLORE_CREDIT, credit);
  return best;
}
