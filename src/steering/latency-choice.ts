/**
 * The one rule `latency` steering chooses by, for origins in a pool and for pools in a
 * route:
 *
 * - cost = estimate × (excess + 1): the estimate as of its last sample (AT_LAST_SAMPLE)
 *   times one plus this isolate's tries in flight beyond what is usual for the key, so a fast origin
 *   that is saturating is not flooded (Linkerd's and Finagle's peak-EWMA load), while the
 *   few tries always in flight to the origin that takes a colo's whole stream (its rate ×
 *   latency, Little's law) cost nothing. excess = max(0, outstanding − allowance),
 *   allowance = usual + PILE_UP_SIGMAS × √usual + PILE_UP_SLACK, usual the EWMA of the count in flight
 *   at dispatch (outstanding.ts).
 * - A key never measured is optimistic: it costs 0 while nothing is in flight to it, so it
 *   is tried at once, and `failurePenaltyMs` × (outstanding + 1) while its first try is
 *   out, so it is tried once, not flooded (Tower's 1 s for an unmeasured endpoint).
 * - The lowest cost wins, but costs within TIE_BAND of it count as equal and the key
 *   carrying the stream (the highest usual count in flight) keeps it; then the lowest
 *   cost; exactly equal costs go by weight at random (pools) or to the first in order
 *   (routes, like failover).
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

/**
 * Tries in flight count as a pile-up beyond their usual number plus this many standard
 * deviations of it. The count in flight to an origin taking a steady stream is Poisson
 * around its usual value u (Little's law: rate × latency), so its standard deviation is
 * √u, and u + 3√u is exceeded by under 1 % of dispatches at the usual counts of 1–5 the
 * simulator measures at 50 requests/s. Edgeway's own choice, measured in the simulator:
 * the anchors count every try in flight (Envoy's `active + 1`, Finagle's
 * `outstanding + 1`), which at that rate makes the best origin cost two or three times
 * its latency and hands a colo's traffic to slower idle origins. An origin with no usual
 * load (one explored now and then, one just added) gets no allowance: every try in flight
 * to it beyond the slack below counts, as in the anchors, so it is tried, not flooded.
 */
export const PILE_UP_SIGMAS = 3;

/**
 * One try in flight is always allowed: an origin starting to take a colo's stream has a
 * usual count near 0, and without the slack its second try in flight would double its
 * cost, so its usual count could never grow and a slower origin kept the stream (measured:
 * one colo in the simulator stayed on its second-best origin for the whole run).
 */
export const PILE_UP_SLACK = 1;

/** The count in flight above which each try counts as a pile-up: u + PILE_UP_SIGMAS × √u + PILE_UP_SLACK. */
export function pileUpAllowance(usual: number): number {
  return usual + PILE_UP_SIGMAS * Math.sqrt(usual) + PILE_UP_SLACK;
}

/** Tries in flight beyond the allowance: 0 for the usual concurrency, one per try piled up beyond it. */
export function pileUp(key: string, signals: SteeringSignals): number {
  const excess = signals.outstanding(key) - pileUpAllowance(signals.usualOutstanding?.(key) ?? 0);
  return Math.max(0, excess);
}

/**
 * Steering compares estimates as of their last sample (a decay time of ∞), not decayed to
 * now. Measured in the simulator: compared decayed, every idle origin within ~20 % of the
 * best decayed below it every 1–2 s and took a pick (exploring outside the exploring
 * budget, up to 10 % of a colo's traffic where the best leads by 12–16 %). An idle
 * estimate does not freeze: exploring samples it every `exploreIntervalSeconds`, and a
 * trough (latency.ts) replaces it at once when the origin has recovered.
 */
export const AT_LAST_SAMPLE = Number.POSITIVE_INFINITY;

/** Cost of one key: estimate (at its last sample) × (pile-up + 1), optimistic for a key never measured. */
export function latencyCost(key: string, signals: SteeringSignals, settings: LatencySettings): number {
  return costWith(key, signals, settings, signals.outstanding(key));
}

/** latencyCost with the count in flight already read (the usual count is read only when something is in flight). */
function costWith(key: string, signals: SteeringSignals, settings: LatencySettings, outstanding: number): number {
  const estimate = signals.latencyMs(key, AT_LAST_SAMPLE);
  if (estimate === undefined) return outstanding === 0 ? 0 : settings.failurePenaltyMs * (outstanding + 1);
  if (outstanding === 0) return estimate;
  const excess = outstanding - pileUpAllowance(signals.usualOutstanding?.(key) ?? 0);
  return excess > 0 ? estimate * (excess + 1) : estimate;
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
 * Costs within this share of the lowest count as equal, and the key already carrying the
 * stream (the highest usual count in flight, outstanding.ts) keeps it: 5 %, Edgeway's own
 * choice. Costs are noisy by a few per cent (the estimate is a mean over about τ of
 * answers that vary by half their mean), so without a band two origins within that noise
 * of each other trade the stream back and forth, and every trade starts the newcomer's
 * estimate from a single answer. At most 5 % of latency is given up for stability; an
 * origin more than 5 % cheaper takes over on its first measurement.
 */
export const TIE_BAND = 0.05;

/** Per-item costs of the pick in progress (scratch reused across picks, grown as needed; it carries nothing between picks). */
let costs = new Float64Array(64);

/**
 * Chooses one item by the rule above and spends or earns exploration credit in `memory`.
 * Returns its index, or -1 when no item may serve. Two passes over the items: costs (and
 * the stale ones, only when a whole credit is banked), then the winner within the tie
 * band. Nothing is allocated per pick.
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
  const exploreAfterMs = settings.exploreIntervalSeconds * 1_000;
  if (costs.length < items.length) costs = new Float64Array(Math.max(items.length, costs.length * 2));
  let lowest = Number.POSITIVE_INFINITY;
  // The two stalest, so the stalest other than the winner is known whatever wins.
  let stale1 = -1;
  let age1 = -1;
  let stale2 = -1;
  let age2 = -1;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as T;
    if (how.usable !== undefined && !how.usable(item)) {
      costs[i] = Number.NaN;
      continue;
    }
    const key = how.keyOf(item);
    const outstanding = signals.outstanding(key);
    const cost = costWith(key, signals, settings, outstanding);
    costs[i] = cost;
    if (cost < lowest) lowest = cost;
    if (looking && outstanding === 0) {
      const age = signals.latencyAgeMs?.(key);
      if (age !== undefined && age >= exploreAfterMs) {
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
  const best = withinBand(items, how, signals, lowest, random);
  if (best < 0 || !exploring) return best;
  const explore = stale1 === best ? stale2 : stale1;
  if (looking && explore >= 0) {
    memory.set(EXPLORE_CREDIT, credit - 1);
    return explore;
  }
  memory.set(EXPLORE_CREDIT, credit);
  return best;
}

/** The cost a tie band of TIE_BAND around `lowest` reaches. */
export function bandLimit(lowest: number): number {
  return lowest * (1 + TIE_BAND);
}

/**
 * Order within the tie band: 1 when a candidate with usual count in flight `usual` and
 * cost `cost` beats the best so far, 0 when they tie, −1 when it does not. The one
 * carrying the stream (higher usual) first, then the cheaper.
 */
export function compareInBand(usual: number, cost: number, bestUsual: number, bestCost: number): number {
  if (usual !== bestUsual) return usual > bestUsual ? 1 : -1;
  return cost < bestCost ? 1 : cost === bestCost ? 0 : -1;
}

/**
 * The winner among the items whose cost (in `costs`) is within the tie band of `lowest`:
 * the highest usual count in flight, then the lowest cost, then by weight at random
 * (weighted reservoir) or the first in order.
 */
function withinBand<T>(items: readonly T[], how: LatencyItems<T>, signals: SteeringSignals, lowest: number, random: RandomSource): number {
  const limit = bandLimit(lowest);
  let best = -1;
  let bestUsual = -1;
  let bestCost = Number.POSITIVE_INFINITY;
  let tiedWeight = 0;
  for (let i = 0; i < items.length; i++) {
    const cost = costs[i] as number;
    if (!(cost <= limit)) continue;
    const item = items[i] as T;
    const usual = signals.usualOutstanding?.(how.keyOf(item)) ?? 0;
    const order = compareInBand(usual, cost, bestUsual, bestCost);
    if (order > 0) {
      best = i;
      bestUsual = usual;
      bestCost = cost;
      tiedWeight = how.weightOf?.(item) ?? 0;
    } else if (order === 0 && how.weightOf !== undefined) {
      // Weighted reservoir: each tied item ends up chosen with probability ∝ its weight.
      const w = how.weightOf(item);
      tiedWeight += w;
      if (tiedWeight > 0 && random() * tiedWeight < w) best = i;
    }
  }
  return best;
}
