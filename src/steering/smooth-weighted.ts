/**
 * Smooth weighted round robin, as nginx's upstream module: every pick adds each
 * member's weight to its current value, takes the largest, and subtracts the total from
 * the winner. Over any window of sum(weights) picks each member gets exactly its share,
 * spread out rather than in bursts (weights 3,1 give a a b a, not a a a b).
 *
 * The current values live in a Float64Array kept beside the caller's memory (a WeakMap
 * keyed by that memory object), so a pick is one tight loop with no map look-ups. When
 * the member array changes (another candidate set), values carry over by member.
 */
import type { SteeringMemory } from "./types.ts";

interface WrrState {
  members: readonly unknown[];
  current: Float64Array;
}

const states = new WeakMap<SteeringMemory, WrrState>();

function stateFor(members: readonly unknown[], memory: SteeringMemory): WrrState {
  const state = states.get(memory);
  if (state !== undefined && state.members === members) return state;
  const current = new Float64Array(members.length);
  if (state !== undefined) {
    const previous = new Map<unknown, number>();
    state.members.forEach((m, i) => {
      previous.set(m, state.current[i] ?? 0);
    });
    members.forEach((m, i) => {
      current[i] = previous.get(m) ?? 0;
    });
  }
  const next = { members, current };
  states.set(memory, next);
  return next;
}

/**
 * The index of the chosen member; -1 when no weight is > 0. Pass the same `members`
 * array from call to call where you can: the rotation state is tied to it.
 */
export function smoothWeightedPick<T>(
  members: readonly T[],
  weightOf: (member: T, index: number) => number,
  memory: SteeringMemory,
): number {
  const { current } = stateFor(members, memory);
  let total = 0;
  let best = -1;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < members.length; i++) {
    const weight = weightOf(members[i] as T, i);
    if (!(weight > 0)) continue;
    const value = (current[i] ?? 0) + weight;
    current[i] = value;
    total += weight;
    if (value > bestValue) {
      bestValue = value;
      best = i;
    }
  }
  if (best >= 0) current[best] = bestValue - total;
  return best;
}
