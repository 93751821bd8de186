/**
 * Moves origins' load reports between the isolate and its colo's view in the Durable
 * Object: the isolate's traffic report carries what it has heard since its last report
 * (health-refresh.ts; never per request, never awaited by a request), and the isolate
 * takes in the colo's view with each snapshot, so a new isolate starts with its colo's
 * live weights instead of another blackout.
 */
import { isolate } from "../isolate.ts";
import type { HealthSnapshot } from "../health/snapshot.ts";
import type { OriginLoad } from "../steering/load-weights.ts";
import { MAX_LOAD_ENTRIES } from "./load-store.ts";

/** The newest report time this isolate has sent: a report with nothing newer carries no load. */
let sentUpTo = Number.NEGATIVE_INFINITY;

/** Origins' load heard since the last call (at most MAX_LOAD_ENTRIES), for the traffic report being sent. */
export function takeFreshLoad(): [string, OriginLoad][] {
  const fresh = isolate.load
    .entries()
    .filter(([, load]) => load.at > sentUpTo)
    .slice(0, MAX_LOAD_ENTRIES);
  for (const [, load] of fresh) sentUpTo = Math.max(sentUpTo, load.at);
  return fresh;
}

/** Takes in the colo's view of its origins' load from a snapshot. */
export function seedLoad(snapshot: HealthSnapshot): void {
  for (const [originId, load] of Object.entries(snapshot.load ?? {})) isolate.load.seed(originId, load);
}
