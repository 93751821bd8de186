/** GET /_edgeway/metrics: this isolate's counters plus health and config gauges, in Prometheus text format. */
import { Hono } from "hono";
import type { EdgewayEnv } from "../env.ts";
import { isolate } from "../isolate.ts";
import { isHealthyIn } from "../state/snapshot-cache.ts";

export const metricsRoute = new Hono<{ Bindings: EdgewayEnv }>();

metricsRoute.get("/metrics", (c) => {
  const { metrics } = isolate;
  const now = Date.now();
  const loaded = isolate.config.current;
  const snapshot = isolate.health.current;
  metrics.set("edgeway_config_version", "Version of the config in force in this isolate (0: none).", {}, loaded?.envelope.version ?? 0);
  metrics.clear("edgeway_origin_healthy");
  metrics.clear("edgeway_origin_weight");
  for (const origin of loaded?.compiled.origins.values() ?? []) {
    metrics.set("edgeway_origin_healthy", "1 when the origin passes its health checks (as this isolate's snapshot says).", { origin: origin.id }, isHealthyIn(snapshot, origin.id) ? 1 : 0);
    metrics.set("edgeway_origin_weight", "The origin's effective weight (0 when drained or disabled).", { origin: origin.id }, origin.enabled ? origin.weight : 0);
  }
  const age = isolate.health.age(now);
  metrics.set("edgeway_health_snapshot_age_seconds", "Age of this isolate's health snapshot (-1: none yet).", {}, age === undefined ? -1 : age / 1000);
  return c.body(metrics.render(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
});
