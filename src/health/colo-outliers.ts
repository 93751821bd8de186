/**
 * Outlier detection per colo (health/quorum.ts says why): each colo the isolate serves has
 * its own detector. A new snapshot brings each detector two kinds of ejection to adopt:
 * its own colo's (made by other isolates there) and the global verdicts (origins a quorum
 * of colos ejects, carried in `origins[id].ejection`); and probes that passed, which end
 * ejections that began before them. Pure: the snapshot and the clock are handed in.
 */
import { ColoMap } from "./colo-map.ts";
import { OutlierDetector } from "./outlier.ts";
import type { Ejection } from "./outlier.ts";
import type { HealthSnapshot } from "./snapshot.ts";

/** The colo a request counts under when the platform names none (local dev without a geo override). */
export const UNKNOWN_COLO = "local";

export class ColoOutliers {
  readonly #detectors: ColoMap<OutlierDetector>;
  /** The snapshot every detector has taken in, so a detector made later catches up. */
  #synced: HealthSnapshot | undefined;

  constructor(max?: number) {
    this.#detectors = new ColoMap(() => new OutlierDetector(), max);
  }

  /** The colo's detector; a new one first takes in the snapshot the others have. */
  forColo(colo: string, now: number): OutlierDetector {
    const known = this.#detectors.peek(colo);
    if (known !== undefined) return this.#detectors.get(colo);
    const detector = this.#detectors.get(colo);
    if (this.#synced !== undefined) syncDetector(detector, colo, this.#synced, now);
    return detector;
  }

  /** The colo's detector if it has one. */
  peek(colo: string): OutlierDetector | undefined {
    return this.#detectors.peek(colo);
  }

  /** Colos this isolate has served, least recently first (in production: one). */
  colos(): string[] {
    return this.#detectors.colos();
  }

  entries(): IterableIterator<[string, OutlierDetector]> {
    return this.#detectors.entries();
  }

  /** Takes in a new snapshot in every colo's detector. */
  sync(snapshot: HealthSnapshot, now: number): void {
    this.#synced = snapshot;
    for (const [colo, detector] of this.#detectors.entries()) syncDetector(detector, colo, snapshot, now);
  }

  /** Ejections in force in any colo, with the colo (for metrics and the admin API). */
  ejections(now: number): { colo: string; ejection: Ejection }[] {
    const out: { colo: string; ejection: Ejection }[] = [];
    for (const [colo, d] of this.#detectors.entries()) for (const ejection of d.ejections(now)) out.push({ colo, ejection });
    return out;
  }

  /** Ends an origin's ejection in every colo's detector; returns true if any held one. */
  release(originId: string, now: number): boolean {
    let released = false;
    for (const [, d] of this.#detectors.entries()) released = d.release(originId, now) || released;
    return released;
  }

  /** Drops state for origins not in `known`, in every colo. */
  retain(known: ReadonlySet<string>): void {
    for (const [, d] of this.#detectors.entries()) d.retain(known);
  }
}

/**
 * What a snapshot means for one colo's detector: the global verdicts and that colo's own
 * ejections are adopted (another colo's are not: they stay there), and a probe that
 * passed ends what began before it.
 */
export function syncDetector(detector: OutlierDetector, colo: string, snapshot: HealthSnapshot, now: number): void {
  for (const ejection of snapshot.coloEjections?.[colo] ?? []) detector.adopt(ejection, now);
  for (const [id, status] of Object.entries(snapshot.origins)) {
    if (status.ejection !== undefined) detector.adopt(status.ejection, now);
    if (status.lastProbeOk === true && status.lastProbeAt != null) detector.probePassed(id, status.lastProbeAt, now);
  }
}
