/**
 * Smooth weighted round robin, as nginx's upstream module: every pick adds each
 * candidate's weight to its current value, takes the largest, and subtracts the total
 * from the winner. Over any window of sum(weights) picks each candidate gets exactly its
 * share, spread out rather than in bursts (weights 3,1 give a a b a, not a a a b).
 */
import type { SteeringMemory } from "./types.ts";

/** Returns the index of the chosen item; `weights[i]` > 0 for at least one i. */
export function smoothWeightedPick(ids: readonly string[], weights: readonly number[], memory: SteeringMemory): number {
  let total = 0;
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < ids.length; i++) {
    const weight = weights[i] ?? 0;
    if (weight <= 0) continue;
    const id = ids[i] ?? "";
    const current = (memory.get(id) ?? 0) + weight;
    memory.set(id, current);
    total += weight;
    if (current > bestValue) {
      bestValue = current;
      best = i;
    }
  }
  if (best < 0) return 0;
  const winner = ids[best] ?? "";
  memory.set(winner, bestValue - total);
  return best;
}
