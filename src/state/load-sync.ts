/**
 * Moves origins' load reports between the isolate and its colo's view in the Durable
 * Object: the isolate sends what it knows at most every LOAD_REPORT_MS (in waitUntil,
 * never awaited by a request), and takes in the colo's view with each snapshot, so a
 * new isolate starts with its colo's live weights instead of another blackout.
 */
import { isolate, failStatic } from "../isolate.ts";
import { errorMessage } from "../observe/log.ts";
import { originStateStub } from "./origin-state.ts";
import type { HealthSnapshot } from "../health/snapshot.ts";

/** How often an isolate sends its load reports (as often as its latency estimates). */
export const LOAD_REPORT_MS = 10_000;

let lastSent = Number.NEGATIVE_INFINITY;
/** The newest report time this isolate has sent: a report with nothing newer is not sent. */
let sentUpTo = Number.NEGATIVE_INFINITY;

/** Sends this isolate's load reports for `colo` when due and there is something new; the promise to hand to waitUntil. */
export function reportLoad(env: Env, colo: string | (() => string), now: number): Promise<void> | undefined {
  if (now - lastSent < LOAD_REPORT_MS) return undefined;
  lastSent = now;
  const fresh = isolate.load.entries().filter(([, load]) => load.at > sentUpTo);
  if (fresh.length === 0) return undefined;
  sentUpTo = Math.max(...fresh.map(([, load]) => load.at));
  return originStateStub(env)
    .reportLoad(typeof colo === "string" ? colo : colo(), fresh)
    .catch((error: unknown) => failStatic("durable_object", "load_report_failed", { message: errorMessage(error) }));
}

/** Takes in the colo's view of its origins' load from a snapshot. */
export function seedLoad(snapshot: HealthSnapshot): void {
  for (const [originId, load] of Object.entries(snapshot.load ?? {})) isolate.load.seed(originId, load);
}
