/**
 * GET /_edgeway/metrics: this isolate's counters and latency histograms, then gauges made
 * for this scrape (config version, health, ejection and effective weight per origin,
 * snapshot age), the probe counters and rollouts the Durable Object keeps, in the Prometheus text
 * format. Probes run in the Durable Object's alarm and in cron isolates, rarely the one
 * scraped, so their counts — and the health snapshot the gauges describe — are read from
 * the object for each scrape, without touching this isolate's cached snapshot (a scrape
 * changes nothing). When the object does not answer within DURABLE_OBJECT_TIMEOUT_MS the
 * probe series are left out, the gauges fall back to this isolate's snapshot, and a
 * fail-static event is counted.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { failStatic, isolate, reportConfigProblem } from "../isolate.ts";
import { effectiveConfig } from "../discovery/effective-config.ts";
import { ejectionInForce } from "../health/passive.ts";
import { adminColo } from "./colo.ts";
import { originStateStub } from "../state/origin-state.ts";
import { withDeadline } from "../state/deadline.ts";
import type { ProbeCount } from "../state/health-store.ts";
import { isHealthyIn } from "../health/snapshot.ts";
import { HealthSnapshotSchema } from "../health/snapshot.ts";
import type { HealthSnapshot } from "../health/snapshot.ts";
import type { RegionProbeCount } from "../state/region-health-store.ts";
import type { CompiledConfig } from "../config/compile.ts";
import { Metrics } from "../observe/metrics.ts";
import { errorMessage } from "../observe/log.ts";
import { loadAwarePools } from "../observe/load-view.ts";
import { rolloutMetrics } from "../observe/rollout-metrics.ts";
import type { RolloutListing } from "../state/rollout-runner.ts";
import type { NameStatus } from "../discovery/dns-table.ts";
import { adminRoutes, errorResponses } from "./openapi.ts";
import type { EdgewayEnv } from "../env.ts";

/** How long a scrape waits for the Durable Object (an isolate's snapshot refresh has the same budget). */
export const DURABLE_OBJECT_TIMEOUT_MS = 1_000;

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export const metricsRoute = adminRoutes();

const route = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["Observability"],
  summary: "Metrics in the Prometheus text format",
  description:
    "Requests by route, pool, origin and status class; tries, retries, hedges, ejections; origin latency histograms; probe results; health, ejection and effective weight per origin; config version; fail-static events; rollouts' weight, state and verdicts. Counters and histograms count the traffic of the isolate that answers the scrape; probe counts, health and effective weight come from the Durable Object (this isolate's snapshot when it cannot be reached).",
  responses: {
    200: { description: "Prometheus text exposition format 0.0.4.", content: { [PROMETHEUS_CONTENT_TYPE]: { schema: z.string() } } },
    ...errorResponses,
  },
});

interface DurableObjectView {
  readonly snapshot: HealthSnapshot;
  readonly probes: readonly ProbeCount[];
  readonly regionProbes: readonly RegionProbeCount[];
  readonly rollouts: RolloutListing;
  readonly dns: readonly NameStatus[];
}

/** The Durable Object's health snapshot and probe counters, or undefined (a fail-static event) when it fails or is slow. */
async function fromDurableObject(env: EdgewayEnv, colos: readonly string[]): Promise<DurableObjectView | undefined> {
  try {
    const stub = originStateStub(env);
    const [snapshot, probes, regionProbes, rollouts, dns] = await withDeadline(
      Promise.all([
        stub.snapshot(colos[0], colos),
        stub.probeCounts(),
        stub.regionProbeCounts(),
        // An object of an older version during a deploy has no rollouts: none are shown rather than no state at all.
        stub.rollouts().catch((): RolloutListing => ({ rollouts: [], verdicts: [] })),
        // Likewise DNS discovery's names.
        stub.discovery().catch((): NameStatus[] => []),
      ]),
      DURABLE_OBJECT_TIMEOUT_MS,
      "the Durable Object",
    );
    // Parse, don't cast: the object may run another code version during a deploy.
    return { snapshot: HealthSnapshotSchema.parse(snapshot), probes, regionProbes, rollouts, dns };
  } catch (error) {
    failStatic("durable_object", "metrics_state_unavailable", { message: errorMessage(error) });
    return undefined;
  }
}

/** The gauges and probe counters of one scrape, in a registry of their own. */
function scrapeMetrics(
  compiled: CompiledConfig | undefined,
  version: number,
  snapshot: HealthSnapshot | undefined,
  state: DurableObjectView | undefined,
  now: number,
  colos: readonly string[],
): Metrics {
  const m = new Metrics();
  m.gauge("edgeway_config_version", "Version of the config in force in this isolate (0: none).").series().set(version);
  const healthy = m.gauge(
    "edgeway_origin_healthy",
    "1 when the origin passes its health checks or an operator forced it healthy, as the Durable Object says (this isolate's snapshot when it cannot be reached).",
  );
  const ejected = m.gauge(
    "edgeway_origin_ejected",
    "1 while outlier detection has the origin ejected in the colo (by this isolate, by another isolate of the colo, or everywhere by the global quorum), for the colos this isolate serves.",
  );
  const votes = m.gauge("edgeway_origin_quorum_votes", "Colos ejecting the origin now: its votes in the global quorum.");
  const voters = m.gauge("edgeway_origin_quorum_voters", "Colos that sent the origin traffic within the quorum's window or eject it.");
  const needed = m.gauge("edgeway_origin_quorum_needed", "Failing colos the global quorum needs to eject the origin everywhere.");
  const everywhere = m.gauge("edgeway_origin_ejected_everywhere", "1 while a quorum of colos ejects the origin everywhere.");
  const weight = m.gauge(
    "edgeway_origin_weight",
    "The origin's effective weight: the config's, or an operator's override; 0 when drained or disabled.",
  );
  // Configured and registered origins alike, with admin overrides applied.
  for (const origin of compiled?.origins.values() ?? []) {
    const labels = { origin: origin.id };
    healthy.series(labels).set(isHealthyIn(snapshot, origin.id) ? 1 : 0);
    for (const colo of colos) {
      const inColo = ejectionInForce(isolate.outliers.peek(colo), snapshot, origin.id, now, colo);
      ejected.series({ origin: origin.id, colo }).set(inColo === undefined ? 0 : 1);
    }
    const v = snapshot?.votes?.[origin.id];
    votes.series(labels).set(v?.failing ?? 0);
    voters.series(labels).set(v?.voters ?? 0);
    if (v !== undefined) needed.series(labels).set(v.needed);
    everywhere.series(labels).set(snapshot?.origins[origin.id]?.ejection === undefined ? 0 : 1);
    weight.series(labels).set(origin.enabled ? origin.weight : 0);
  }
  const discovered = m.gauge(
    "edgeway_origin_discovered",
    "1 for an origin discovered through DNS, by pool, source (dns:<name>) and state (active, standby, draining).",
  );
  for (const d of snapshot?.discovered ?? []) discovered.series({ origin: d.id, pool: d.pool, source: d.source, state: d.state }).set(1);
  const live = m.gauge(
    "edgeway_origin_live_weight",
    "The weight a load-aware pool gives the origin in this isolate: from its load reports once past the blackout, else its configured weight on the same scale.",
  );
  for (const pool of loadAwarePools(compiled)) {
    for (const [origin, w] of isolate.load.weightsFor(pool, now)) live.series({ pool: pool.id, origin }).set(w.weight);
  }
  const age = isolate.health.age(now);
  m.gauge("edgeway_health_snapshot_age_seconds", "Age of this isolate's health snapshot (-1: none yet).")
    .series()
    .set(age === undefined ? -1 : age / 1000);
  if (state !== undefined) {
    const counter = m.counter(
      "edgeway_probes_total",
      "Health probe results applied by the Durable Object, by origin and result (pass, fail); every isolate reports the same totals.",
    );
    for (const p of state.probes) counter.series({ origin: p.origin, result: p.result }).inc(p.count);
    const byRegion = m.counter(
      "edgeway_region_probes_total",
      "Health probe results from each probe region, by origin, region and result, for origins whose monitors name regions; every isolate reports the same totals.",
    );
    for (const p of state.regionProbes) byRegion.series({ origin: p.origin, region: p.region, result: p.result }).inc(p.count);
    dnsMetrics(m, state.dns);
    rolloutMetrics(m, state.rollouts.rollouts, state.rollouts.verdicts);
  }
  return m;
}

/** Each DNS name's resolution, as the Durable Object counts it (docs/discovery.md). */
function dnsMetrics(m: Metrics, names: readonly NameStatus[]): void {
  const queries = m.counter(
    "edgeway_dns_queries_total",
    "DNS over HTTPS queries answered or failed, by name, since the Durable Object started.",
  );
  const failures = m.counter("edgeway_dns_failures_total", "Failed resolutions (the last good answer kept), by name.");
  const empty = m.counter("edgeway_dns_empty_answers_total", "NXDOMAIN or empty answers, by name.");
  const addresses = m.gauge("edgeway_dns_addresses", "Addresses in the answer in force, by name.");
  const failing = m.gauge("edgeway_dns_failing", "Failures in a row, by name (0: the last resolution answered).");
  const refused = m.gauge("edgeway_dns_refused_addresses", "Addresses of the answer the address policy refused, by name and reason.");
  for (const n of names) {
    const labels = { name: n.name, type: n.type };
    queries.series(labels).inc(n.counts.queries);
    failures.series(labels).inc(n.counts.failures);
    empty.series(labels).inc(n.counts.empty);
    addresses.series(labels).set(n.addresses);
    failing.series(labels).set(n.failures);
    const byReason = new Map<string, number>();
    for (const r of n.refused) byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + 1);
    for (const [reason, count] of byReason) refused.series({ ...labels, reason }).set(count);
  }
}

metricsRoute.openapi(route, async (c) => {
  const env = c.env;
  // The colos this isolate serves (in production its one colo) and the scrape's own.
  const colos = [...new Set([adminColo(c.req.raw, env), ...isolate.outliers.colos()])];
  const [loaded, state] = await Promise.all([
    isolate.config.get(env.CONFIG, Date.now(), (p) => c.executionCtx.waitUntil(p), reportConfigProblem),
    fromDurableObject(env, colos),
  ]);
  const snapshot = state?.snapshot ?? isolate.health.current;
  // Registered origins and admin overrides (drain, disable, weight) as the snapshot has them.
  const compiled = loaded === undefined ? undefined : effectiveConfig(loaded.compiled, snapshot);
  // A failure to reach the Durable Object is counted before rendering, so this scrape shows it.
  const text = isolate.metrics.render(scrapeMetrics(compiled, loaded?.envelope.version ?? 0, snapshot, state, Date.now(), colos));
  return c.text(text, 200, { "Content-Type": PROMETHEUS_CONTENT_TYPE, "Cache-Control": "no-store" });
});
