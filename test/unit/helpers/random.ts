/**
 * A seeded random source for deterministic tests: mulberry32, a 32-bit generator that
 * is small, fast and well spread — good enough for steering tests, not for anything else.
 */
import type { RandomSource } from "../../../src/steering/types.ts";

/** Returns a random source in [0, 1) that gives the same sequence for the same seed. */
export function mulberry32(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
