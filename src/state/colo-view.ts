/**
 * The passive-health view a request steers by, per colo: the colo's outlier detector over
 * the isolate's snapshot, remade only when the snapshot or the set of ejected origins
 * changes, never per request. In production an isolate serves one colo; locally one
 * isolate can play several (health/colo-map.ts).
 *
 * Which colo a request counts under: the debug geo header's or the local colo variables'
 * `colo` where those are allowed, else `request.cf.colo`, read once per isolate (an
 * isolate runs in one colo, and building request.cf costs the request path several µs;
 * routing/client.ts LazyCfClient).
 */
import { isolate } from "../isolate.ts";
import { ColoMap } from "../health/colo-map.ts";
import { UNKNOWN_COLO } from "../health/colo-outliers.ts";
import type { OutlierDetector } from "../health/outlier.ts";
import { healthView } from "../health/passive.ts";
import { isHealthyIn, lapsedIn } from "../health/snapshot.ts";
import type { HealthSnapshot } from "../health/snapshot.ts";
import { LazyCfClient } from "../routing/client.ts";
import type { ClientInfo } from "../routing/client.ts";
import { createSelectionCache } from "../steering/select.ts";
import type { HealthView, SelectionCache } from "../steering/select.ts";
import type { TrafficReporter } from "./traffic-report.ts";

/** One colo's passive health as a request uses it. */
export interface ColoView {
  readonly colo: string;
  readonly snapshot: HealthSnapshot | undefined;
  readonly epoch: number;
  readonly detector: OutlierDetector;
  readonly reporter: TrafficReporter;
  readonly view: HealthView;
  readonly cache: SelectionCache;
  /** Whether any origin is ejected in this colo now (asked only when steering found nothing). */
  readonly anyEjected: () => boolean;
}

let platformColo: string | undefined;

/** The colo whose passive-health view a request uses. */
export function passiveColo(client: ClientInfo): string {
  if (client instanceof LazyCfClient) return (platformColo ??= client.colo ?? UNKNOWN_COLO);
  return client.colo ?? UNKNOWN_COLO;
}

const views = new ColoMap<{ current: ColoView | undefined }>(() => ({ current: undefined }));
/** The snapshot every colo's detector has taken in. */
let synced: HealthSnapshot | undefined;
/** Probe health alone, for when ejections would leave a route nothing to serve (the same for every colo). */
let probeOnly: { snapshot: HealthSnapshot | undefined; view: HealthView; cache: SelectionCache } | undefined;

/** The colo's view in force at `now`. */
export function coloView(colo: string, now: number): ColoView {
  const snapshot = isolate.health.current;
  if (snapshot !== undefined && snapshot !== synced) {
    isolate.outliers.sync(snapshot, now);
    synced = snapshot;
  }
  const detector = isolate.outliers.forColo(colo, now);
  detector.expire(now);
  const slot = views.get(colo);
  const held = slot.current;
  if (held !== undefined && held.snapshot === snapshot && held.epoch === detector.epoch && held.detector === detector) return held;
  const made: ColoView = {
    colo,
    snapshot,
    epoch: detector.epoch,
    detector,
    reporter: isolate.traffic.get(colo),
    view: healthView(detector, snapshot, Date.now),
    cache: createSelectionCache(),
    anyEjected: () => detector.anyEjected(Date.now()),
  };
  slot.current = made;
  return made;
}

/** Probe health alone (ejections ignored). */
export function probeOnlyView(): { view: HealthView; cache: SelectionCache } {
  const snapshot = isolate.health.current;
  if (probeOnly === undefined || probeOnly.snapshot !== snapshot) {
    probeOnly = {
      snapshot,
      view: { isHealthy: (id) => isHealthyIn(snapshot, id), isGone: (id) => lapsedIn(snapshot, id) },
      cache: createSelectionCache(),
    };
  }
  return probeOnly;
}
