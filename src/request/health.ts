/**
 * Stage `health`: the passive-health view, latency estimates and signals of the request's
 * colo. A stale snapshot is refreshed in the background (state/health-refresh.ts); only an
 * isolate that has never had one waits, at most COLD_WAIT_MS, and then matches the route
 * again, on the config with the origins that registered themselves (the conductor then
 * goes on with that route's plan).
 */
import { effectiveConfig } from "../discovery/effective-config.ts";
import { isolate } from "../isolate.ts";
import { coloView } from "../state/colo-view.ts";
import { ensureFreshHealth } from "../state/health-refresh.ts";
import type { SteeringSignals } from "../steering/types.ts";
import type { RequestContext, Stage } from "./stage.ts";

const outstandingOf = (key: string): number => isolate.outstanding.get(key);
/** The usual count in flight at dispatch, which latency steering's pile-up is measured against. */
const usualOf = (key: string): number => isolate.outstanding.usual(key);
/** A load-aware pool's live weights from this isolate's load reports (load-tracker.ts). */
const liveWeightsOf: NonNullable<SteeringSignals["liveWeights"]> = (pool) => isolate.load.weightsFor(pool, Date.now());

function takeView(context: RequestContext): undefined {
  // Both made once per colo and kept by ColoLatency (steering/latency-colo.ts).
  context.latency = isolate.latency.tracker(context.colo);
  context.signals = isolate.latency.signals(context.colo, outstandingOf, Date.now, liveWeightsOf, usualOf);
  context.live = coloView(context.colo, Date.now());
  return undefined;
}

/** After a cold isolate's first snapshot: the route as the config with registered origins has it. */
function rematch(context: RequestContext): undefined {
  const compiled = effectiveConfig(context.base, isolate.health.current);
  if (compiled !== context.matchedIn) {
    const hit = compiled.table.match(context.url.host, context.url.pathname, context.request, context.url);
    // The conductor moves the request onto this route's plan (data-plane.ts).
    if (hit !== undefined) {
      context.route = hit.route;
      context.matchedPath = hit.path;
    }
  }
  return takeView(context);
}

export const healthStage: Stage = {
  name: "health",
  run(context) {
    const wait = ensureFreshHealth(context.env, context.ctx, context.colo, context.colo);
    if (wait !== undefined) return wait.then(() => rematch(context));
    return takeView(context);
  },
};
