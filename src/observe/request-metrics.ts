/**
 * The series the request path counts into, resolved once per compiled route, pool and
 * origin and kept (in a WeakMap on the compiled route, so a new config version starts
 * afresh and the old handles go with it). A request then updates fields: it builds no
 * label strings and sorts nothing. Label sets and names are those of docs/observability.md's table.
 */
import type { CompiledOrigin, CompiledPool, CompiledRoute } from "../config/compile.ts";
import type { Counter, CounterSeries, Gauge, GaugeSeries, Histogram, HistogramSeries, Metrics } from "./metrics.ts";

/**
 * Upper bounds of the origin latency histogram, in seconds: the Prometheus client
 * defaults (5 ms to 10 s) with 1 and 2.5 ms below, because an edge close to its origin
 * answers in a few milliseconds and the default 5 ms bucket would hold most of its tries,
 * and 15 s above, the default route timeout, so a try that waited out the whole route
 * budget is told apart from one that took 10 s.
 */
export const ORIGIN_LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15,
];

/** How a copy of a request for a mirror pool ended (edgeway_mirror_requests_total's `outcome`). */
export type MirrorOutcome = "sent" | "failed" | "skipped_body" | "skipped_no_origin";

/** `2xx` for 200…299; indexed by Math.floor(status / 100). */
const STATUS_CLASSES = ["0xx", "1xx", "2xx", "3xx", "4xx", "5xx", "6xx", "7xx", "8xx", "9xx"] as const;

/** The status class label of a status code. */
export function statusClass(status: number): string {
  return STATUS_CLASSES[Math.floor(status / 100)] ?? `${Math.floor(status / 100)}xx`;
}

/** The families the request path writes, registered once per Metrics. */
interface Families {
  readonly requests: Counter;
  readonly tries: Counter;
  readonly hedges: Counter;
  readonly retries: Counter;
  readonly retriesSkipped: Counter;
  readonly panic: Counter;
  readonly ejections: Counter;
  readonly ejectionsSkipped: Counter;
  readonly ejectionOverridden: Counter;
  readonly latency: Histogram;
  readonly websocketsOpen: Gauge;
  readonly websockets: Counter;
  readonly websocketFailures: Counter;
  readonly mirrors: Counter;
  readonly answered: Counter;
}

function families(metrics: Metrics): Families {
  return {
    requests: metrics.counter("edgeway_requests_total", "Requests proxied, by route, pool, origin and status class."),
    tries: metrics.counter("edgeway_origin_tries_total", "Tries sent to an origin, by how they ended."),
    hedges: metrics.counter("edgeway_hedges_total", "Hedged tries: a second try sent while the first was still waiting."),
    retries: metrics.counter("edgeway_retries_total", "Tries that failed and were retried on another origin."),
    retriesSkipped: metrics.counter(
      "edgeway_retries_skipped_total",
      "Retryable failures not retried, by why (budget, body-too-large, method).",
    ),
    panic: metrics.counter(
      "edgeway_panic_total",
      "Tries sent while their pool was below its panic threshold (spread over unhealthy origins too).",
    ),
    ejections: metrics.counter("edgeway_ejections_total", "Origins ejected by outlier detection, by pool, origin and check."),
    ejectionsSkipped: metrics.counter(
      "edgeway_ejections_skipped_total",
      "Ejections not made because the pool already had maxEjectionPercent of its origins ejected.",
    ),
    ejectionOverridden: metrics.counter(
      "edgeway_ejection_overridden_total",
      "Tries sent to an ejected origin because ejection left the route nothing else.",
    ),
    latency: metrics.histogram(
      "edgeway_origin_latency_seconds",
      "Time from sending a try to the origin's response headers (or its failure), by origin and pool. Lost hedges are not counted.",
      ORIGIN_LATENCY_BUCKETS_SECONDS,
    ),
    websocketsOpen: metrics.gauge("edgeway_websockets_open", "WebSockets open now through this isolate, by route and origin."),
    websockets: metrics.counter("edgeway_websockets_total", "WebSockets proxied (origin answered 101), by route and origin."),
    websocketFailures: metrics.counter(
      "edgeway_websocket_failures_total",
      "WebSockets that failed: stage handshake (no 101 reached the client) or connection (ended by an error, not a close).",
    ),
    answered: metrics.counter(
      "edgeway_edge_answers_total",
      "Requests a route answered itself, with no origin contacted (a RequestRedirect or FixedResponse filter), by route and status.",
    ),
    mirrors: metrics.counter(
      "edgeway_mirror_requests_total",
      "Copies of requests for a route's RequestMirror pool, by outcome: sent (the mirror answered below 500), failed (5xx, connect failure or timeout), skipped_body (the body was not buffered), skipped_no_origin (no healthy origin in the pool).",
    ),
  };
}

/** A map filled on first use: each key's value is made once. */
function lazy<K, V>(make: (key: K) => V): (key: K) => V {
  const made = new Map<K, V>();
  return (key) => {
    let value = made.get(key);
    if (value === undefined) {
      value = make(key);
      made.set(key, value);
    }
    return value;
  };
}

/**
 * The series of tries and requests that went to one origin of one pool on one route,
 * each made on first use (a series that never moved is not rendered).
 */
export class PathSeries {
  readonly #f: Families;
  readonly #route: string;
  readonly #pool: string;
  readonly #origin: string;
  #latency: HistogramSeries | undefined;
  #hedges: CounterSeries | undefined;
  #panic: CounterSeries | undefined;
  #ejectionsSkipped: CounterSeries | undefined;
  #websocketsOpen: GaugeSeries | undefined;
  #websockets: CounterSeries | undefined;
  /** `edgeway_origin_tries_total{route,origin,outcome}` by outcome (the try's kind). */
  readonly tries: (outcome: string) => CounterSeries;
  /** `edgeway_retries_total{route,origin,reason}` by reason: a status code, or the try's kind. */
  readonly retries: (reason: number | string) => CounterSeries;
  /** `edgeway_ejections_total{pool,origin,kind}` by the check that ejected. */
  readonly ejections: (kind: string) => CounterSeries;
  readonly #requests: (cls: string) => CounterSeries;

  constructor(f: Families, route: string, pool: string, origin: string) {
    this.#f = f;
    this.#route = route;
    this.#pool = pool;
    this.#origin = origin;
    this.tries = lazy((outcome) => f.tries.series({ route, origin, outcome }));
    this.retries = lazy((reason) => f.retries.series({ route, origin, reason: String(reason) }));
    this.ejections = lazy((kind) => f.ejections.series({ pool, origin, kind }));
    this.#requests = lazy((cls) => f.requests.series({ route, pool, origin, status_class: cls }));
  }

  /** `edgeway_origin_latency_seconds{origin,pool}` */
  get latency(): HistogramSeries {
    return (this.#latency ??= this.#f.latency.series({ origin: this.#origin, pool: this.#pool }));
  }

  /** `edgeway_hedges_total{route,origin}` */
  get hedges(): CounterSeries {
    return (this.#hedges ??= this.#f.hedges.series({ route: this.#route, origin: this.#origin }));
  }

  /** `edgeway_panic_total{pool}` */
  get panic(): CounterSeries {
    return (this.#panic ??= this.#f.panic.series({ pool: this.#pool }));
  }

  /** `edgeway_ejections_skipped_total{pool,origin}` */
  get ejectionsSkipped(): CounterSeries {
    return (this.#ejectionsSkipped ??= this.#f.ejectionsSkipped.series({ pool: this.#pool, origin: this.#origin }));
  }

  /** `edgeway_websockets_open{route,origin}` */
  get websocketsOpen(): GaugeSeries {
    return (this.#websocketsOpen ??= this.#f.websocketsOpen.series({ route: this.#route, origin: this.#origin }));
  }

  /** `edgeway_websockets_total{route,origin}` */
  get websockets(): CounterSeries {
    return (this.#websockets ??= this.#f.websockets.series({ route: this.#route, origin: this.#origin }));
  }

  /** `edgeway_websocket_failures_total{route,origin,stage}` */
  websocketFailures(stage: "handshake" | "connection"): CounterSeries {
    return this.#f.websocketFailures.series({ route: this.#route, origin: this.#origin, stage });
  }

  /** `edgeway_requests_total{route,pool,origin,status_class}` for a response status. */
  requests(status: number): CounterSeries {
    return this.#requests(statusClass(status));
  }
}

/** The series of one compiled route. */
export class RouteSeries {
  /** `edgeway_retries_skipped_total{route,reason}` by reason. */
  readonly retriesSkipped: (reason: string) => CounterSeries;
  /** `edgeway_mirror_requests_total{route,pool,outcome}` for one mirror pool, by outcome. */
  readonly mirrors: (pool: string) => (outcome: MirrorOutcome) => CounterSeries;
  /** `edgeway_edge_answers_total{route,status}`: requests the route answered itself. */
  readonly answered: (status: number) => CounterSeries;
  readonly #families: Families;
  readonly #id: string;
  readonly #paths = new Map<CompiledPool, Map<CompiledOrigin, PathSeries>>();
  /** Requests no origin answered (none could be picked): pool and origin "none". */
  readonly #unserved: PathSeries;
  #ejectionOverridden: CounterSeries | undefined;

  constructor(f: Families, route: CompiledRoute) {
    this.#families = f;
    this.#id = route.id;
    this.retriesSkipped = lazy((reason) => f.retriesSkipped.series({ route: route.id, reason }));
    this.mirrors = lazy((pool) => lazy((outcome) => f.mirrors.series({ route: route.id, pool, outcome })));
    this.answered = lazy((status) => f.answered.series({ route: route.id, status: String(status) }));
    this.#unserved = new PathSeries(f, route.id, "none", "none");
  }

  /** `edgeway_ejection_overridden_total{route}` */
  get ejectionOverridden(): CounterSeries {
    return (this.#ejectionOverridden ??= this.#families.ejectionOverridden.series({ route: this.#id }));
  }

  /** The series of tries to `origin` through `pool`; with neither, those of a request no origin served. */
  path(pool: CompiledPool | undefined, origin: CompiledOrigin | undefined): PathSeries {
    if (pool === undefined || origin === undefined) return this.#unserved;
    let byOrigin = this.#paths.get(pool);
    if (byOrigin === undefined) {
      byOrigin = new Map();
      this.#paths.set(pool, byOrigin);
    }
    let series = byOrigin.get(origin);
    if (series === undefined) {
      series = new PathSeries(this.#families, this.#id, pool.id, origin.id);
      byOrigin.set(origin, series);
    }
    return series;
  }
}

/** Every series the request path writes, cached per compiled route. */
export class RequestMetrics {
  readonly #families: Families;
  readonly #unmatched: Counter;
  readonly #routes = new WeakMap<CompiledRoute, RouteSeries>();

  constructor(metrics: Metrics) {
    this.#families = families(metrics);
    this.#unmatched = metrics.counter("edgeway_unmatched_requests_total", "Requests that matched no route (answered 404 by Edgeway).");
  }

  /** `edgeway_unmatched_requests_total` (no labels: the family keeps the one series). */
  get unmatched(): CounterSeries {
    return this.#unmatched.series();
  }

  route(route: CompiledRoute): RouteSeries {
    let series = this.#routes.get(route);
    if (series === undefined) {
      series = new RouteSeries(this.#families, route);
      this.#routes.set(route, series);
    }
    return series;
  }
}
