/**
 * Each colo's own recent traffic on the old config version: what a staged change compares a
 * colo on the candidate with. Colos differ in their distance to the origins (a request from
 * SYD to us-east-1 takes three times one from IAD), so a colo on the candidate compared with
 * the other colos on the old version would be judged on geography, not on the config.
 * Compared with itself just before, it is judged on the change.
 *
 * A colo's baseline is the old version's counts of its last one or two windows of
 * BASELINE_WINDOW_MS: fed by every report of the colo while it serves the old version, frozen
 * once it serves the candidate (nothing feeds it, so it does not age out). Pure: the clock is
 * passed in. In memory: after a restart of the object the colos' baselines start again, and a
 * colo without one is compared with the other colos on the old version (staged-controller.ts).
 */
import type { SideCounts } from "../rollout/types.ts";
import { addSideCounts, NO_COUNTS } from "./staged-controller.ts";

/** A baseline covers between one and two of these. */
export const BASELINE_WINDOW_MS = 150_000;

interface Windows {
  previous: SideCounts;
  current: SideCounts;
  since: number;
}

export class ColoBaselines {
  readonly #colos = new Map<string, Windows>();

  /** A colo's report on the old version: added to its current window (a full window moves to previous). */
  add(colo: string, counts: SideCounts, now: number): void {
    const held = this.#colos.get(colo);
    if (held === undefined) {
      this.#colos.set(colo, { previous: NO_COUNTS, current: counts, since: now });
      return;
    }
    if (now - held.since >= BASELINE_WINDOW_MS) {
      // A colo silent for two windows starts afresh: its old figures say nothing of now.
      held.previous = now - held.since >= 2 * BASELINE_WINDOW_MS ? NO_COUNTS : held.current;
      held.current = NO_COUNTS;
      held.since = now;
    }
    held.current = addSideCounts(held.current, counts);
  }

  /** The colo's baseline: its last windows on the old version. */
  of(colo: string): SideCounts {
    const held = this.#colos.get(colo);
    return held === undefined ? NO_COUNTS : addSideCounts(held.previous, held.current);
  }

  /** Every colo's baseline. */
  all(): Map<string, SideCounts> {
    return new Map([...this.#colos.keys()].map((colo) => [colo, this.of(colo)]));
  }
}
