/**
 * GET /_edgeway/status: the status page. Gathers what the health view gathers — the
 * config in force, per-origin details from the Durable Object (probe history,
 * transitions, ejections, traffic buckets), the snapshot with registrations and admin
 * overrides — and effective weights from `effectiveConfig`, then renders
 * src/observe/status-page.tsx. When the Durable Object cannot be reached the isolate's
 * snapshot answers, and the page says so.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { html } from "hono/html";
import type { EdgewayEnv } from "../env.ts";
import { isolate, reportConfigProblem } from "../isolate.ts";
import { originStateStub } from "../state/origin-state.ts";
import type { OriginDetails } from "../state/origin-state.ts";
import { HealthSnapshotSchema } from "../health/snapshot.ts";
import type { HealthSnapshot } from "../health/snapshot.ts";
import { isHealthyIn } from "../health/snapshot.ts";
import { TRAFFIC_BUCKET_MS } from "../state/ejection-store.ts";
import { effectiveConfig } from "../discovery/effective-config.ts";
import type { CompiledConfig, CompiledOrigin } from "../config/compile.ts";
import { StatusPage } from "../observe/status-page/index.ts";
import type { OriginRow, PoolSection, StatusPageProps } from "../observe/status-page/index.ts";
import { available } from "../observe/status-page/state.ts";
import { errorMessage } from "../observe/log.ts";
import { adminRoutes, errorResponses } from "./openapi.ts";
import { poolLiveWeights } from "../observe/load-view.ts";
import { mergeLoad } from "../steering/load-weights.ts";
import type { OriginLoad } from "../steering/load-weights.ts";
import { isLoadAware, SEED_EXPIRY_MS } from "../steering/load-tracker.ts";
import { plansByOrigin } from "../health/monitoring.ts";
import type { ProbePlan } from "../health/probe-runner.ts";
import { reasonToShow, regionView } from "./region-view.ts";
import type { RolloutStatus } from "../rollout/types.ts";

/** Probes, transitions and traffic buckets read per origin: 10 minutes of 10 s buckets. */
export const STATUS_HISTORY_LIMIT = 60;
/** Seconds between the page's automatic reloads unless `?refresh=` says otherwise. */
export const STATUS_REFRESH_SECONDS = 10;

const StatusQuery = z.object({
  refresh: z.coerce
    .number()
    .int()
    .min(0)
    .max(3600)
    .optional()
    .openapi({
      param: { name: "refresh", in: "query" },
      description: `Seconds between automatic reloads (0: none; default ${STATUS_REFRESH_SECONDS}).`,
      example: 30,
    }),
});

const route = createRoute({
  method: "get",
  path: "/status",
  tags: ["Observability"],
  summary: "Status page (HTML)",
  description:
    "A panel per rollout (its steps, the target's weight now, each interval's verdict with its figures and the colo that failed it); every pool and origin: health and why, ejections (which colos eject it, since when and why, and the global quorum's votes), admin overrides, effective and configured weight, probe latency and error-rate sparklines, and the last transitions.",
  request: { query: StatusQuery },
  responses: {
    200: { description: "The status page.", content: { "text/html": { schema: z.string() } } },
    ...errorResponses,
  },
});

export const statusRoute = adminRoutes();

interface Gathered {
  readonly details: Record<string, OriginDetails> | undefined;
  readonly snapshot: HealthSnapshot | undefined;
  readonly error: string | undefined;
  /** The rollouts the object keeps (undefined when it could not say). */
  readonly rollouts?: readonly RolloutStatus[] | undefined;
}

/** Details and a fresh snapshot from the Durable Object at once; the isolate's snapshot when it fails. */
async function gather(env: EdgewayEnv): Promise<Gathered> {
  const stub = originStateStub(env);
  const [details, fresh, rollouts] = await Promise.allSettled([stub.details(STATUS_HISTORY_LIMIT), stub.snapshot(), stub.rollouts()]);
  if (details.status === "fulfilled" && fresh.status === "fulfilled") {
    // Parse, don't cast: the object may run another code version during a deploy.
    const parsed = HealthSnapshotSchema.safeParse(fresh.value);
    const kept = rollouts.status === "fulfilled" ? rollouts.value.rollouts : undefined;
    if (parsed.success) return { details: details.value, snapshot: parsed.data, error: undefined, rollouts: kept };
  }
  const failure =
    details.status === "rejected"
      ? details.reason
      : fresh.status === "rejected"
        ? fresh.reason
        : "the Durable Object's snapshot did not parse";
  const snapshot = isolate.health.current;
  return { details: undefined, snapshot, error: errorMessage(failure) };
}

/** The newest of the ejections this isolate's colos, the Durable Object's global verdict and the snapshot know of. */
function ejectionOf(id: string, d: OriginDetails | undefined, snapshot: HealthSnapshot | undefined, now: number): OriginRow["ejection"] {
  const own = [...isolate.outliers.entries()].map(([, detector]) => detector.ejection(id, now));
  const candidates = [...own, d?.ejection, snapshot?.origins[id]?.ejection];
  let best: OriginRow["ejection"];
  for (const e of candidates)
    if (e !== undefined && e.until > now && (best === undefined || e.until > best.until))
      best = { until: e.until, reason: e.reason, kind: e.kind };
  return best;
}

/** Registered origins a pool's panel lists; the rest are counted (GET /_edgeway/register pages through them all). */
export const REGISTERED_PER_POOL = 20;

/** Which colos eject the origin and the global verdict's votes, as the Durable Object keeps them. */
function coloRows(d: OriginDetails | undefined): Pick<OriginRow, "colos" | "quorum"> {
  if (d === undefined) return {};
  const colos = Object.entries(d.colos)
    .flatMap(([colo, c]) =>
      c.ejection === null ? [] : [{ colo, since: c.ejection.at, until: c.ejection.until, reason: c.ejection.reason }],
    )
    .sort((a, b) => a.since - b.since);
  const q = d.quorum;
  return { colos, quorum: { ejected: q.ejected, failing: q.failing.length, voters: q.voters.length, needed: q.needed } };
}

/** One origin's row: health as GET /_edgeway/health reports it, weights from the configs. */
function rowOf(
  id: string,
  ctx: {
    base: CompiledConfig | undefined;
    effective: CompiledOrigin | undefined;
    gathered: Gathered;
    now: number;
    plan: ProbePlan | undefined;
  },
): OriginRow {
  const { gathered, now } = ctx;
  const d = gathered.details?.[id];
  const fromSnapshot = gathered.snapshot?.origins[id];
  const registration = d?.registration ?? gathered.snapshot?.registrations?.find((r) => r.id === id);
  const discovered = d?.discovered ?? gathered.snapshot?.discovered?.find((o) => o.id === id);
  const configured = ctx.base?.origins.get(id);
  const overrides = d?.overrides ?? gathered.snapshot?.overrides?.[id] ?? {};
  const effective = ctx.effective;
  return {
    id,
    url: effective?.url ?? configured?.url ?? registration?.url ?? "",
    region: effective?.region ?? configured?.region ?? registration?.region,
    registered:
      configured === undefined && registration !== undefined
        ? {
            lastHeartbeat: registration.lastHeartbeat,
            ttlSeconds: registration.ttlSeconds,
            registrant: registration.registrant,
            matched: registration.policy?.matched,
          }
        : undefined,
    discovered:
      configured === undefined && discovered !== undefined
        ? { source: discovered.source, state: discovered.state, since: discovered.since }
        : undefined,
    // A forced health state is already applied to both, as GET /_edgeway/health reports it.
    healthy: d?.healthy ?? isHealthyIn(gathered.snapshot, id),
    reason: reasonToShow(ctx.plan, d, fromSnapshot),
    probeRegions: regionView(ctx.plan, d),
    since: d?.since ?? fromSnapshot?.since ?? null,
    lastProbeAt: d?.lastProbeAt ?? fromSnapshot?.lastProbeAt ?? null,
    ejection: ejectionOf(id, d, gathered.snapshot, now),
    ...coloRows(d),
    overrides,
    configuredWeight: configured?.weight ?? registration?.weight ?? discovered?.weight ?? 0,
    configuredEnabled: configured?.enabled ?? true,
    effectiveWeight: effective === undefined ? 0 : effective.enabled ? effective.weight : 0,
    history: d?.history ?? [],
    traffic: d?.traffic ?? [],
    transitions: d?.transitions ?? [],
  };
}

/** Everything the page shows, at `now`. */
export async function statusProps(
  env: EdgewayEnv,
  waitUntil: (p: Promise<void>) => void,
  now: number,
  refreshSeconds: number,
): Promise<StatusPageProps> {
  const [loaded, gathered] = await Promise.all([isolate.config.get(env.CONFIG, now, waitUntil, reportConfigProblem), gather(env)]);
  const base = loaded?.compiled;
  const effective = base === undefined ? undefined : effectiveConfig(base, gathered.snapshot);
  const plans = plansByOrigin(base);
  const row = (id: string) => rowOf(id, { base, effective: effective?.origins.get(id), gathered, now, plan: plans.get(id) });
  // Load-aware pools: this isolate's reports with the newest any colo has passed on, as GET /_edgeway/health shows them.
  const loadOf = (id: string): OriginLoad | undefined => {
    const reported = gathered.details?.[id]?.load;
    const local = isolate.load.load(id);
    return reported === undefined ? local : mergeLoad(local, reported, SEED_EXPIRY_MS);
  };
  const pools: PoolSection[] = [...(effective?.pools.values() ?? [])].map((p) => {
    const live = isLoadAware(p) ? poolLiveWeights(p, loadOf, now) : undefined;
    const rows = p.origins.map((o) => (live === undefined ? row(o.id) : { ...row(o.id), liveWeight: live.get(o.id) }));
    // However many origins register, a pool's panel lists its configured ones and a bounded number of registered ones.
    const hidden = rows.filter((r) => r.registered !== undefined || r.discovered !== undefined).slice(REGISTERED_PER_POOL);
    const hiddenIds = new Set(hidden.map((r) => r.id));
    return {
      id: p.id,
      steering: p.source.steering,
      monitor: p.monitor?.id,
      minHealthy: p.source.minHealthy,
      origins: hidden.length === 0 ? rows : rows.filter((r) => !hiddenIds.has(r.id)),
      ...(hidden.length === 0
        ? {}
        : { moreRegistered: { count: hidden.length, available: hidden.filter((r) => available(r, now)).length } }),
    };
  });
  const pooled = new Set([...(effective?.pools.values() ?? [])].flatMap((p) => p.origins.map((o) => o.id)));
  const known = [
    ...(effective?.origins.keys() ?? []),
    ...Object.keys(gathered.details ?? {}),
    ...(gathered.snapshot?.registrations ?? []).map((r) => r.id),
  ];
  const unpooled = [...new Set(known)].filter((id) => !pooled.has(id)).map(row);
  return {
    now,
    config: loaded === undefined ? undefined : { version: loaded.envelope.version, storedAt: loaded.envelope.updatedAt },
    source: gathered.details === undefined ? "isolate_snapshot" : "durable_object",
    error: gathered.error,
    snapshotAt: gathered.details === undefined ? gathered.snapshot?.generatedAt : undefined,
    pools,
    unpooled,
    refreshSeconds,
    trafficBucketMs: TRAFFIC_BUCKET_MS,
    rollouts: gathered.rollouts,
  };
}

statusRoute.openapi(route, async (c) => {
  const { refresh } = c.req.valid("query");
  const props = await statusProps(c.env, (p) => c.executionCtx.waitUntil(p), Date.now(), refresh ?? STATUS_REFRESH_SECONDS);
  return c.html(html`<!DOCTYPE html>${<StatusPage {...props} />}`, 200, { "cache-control": "no-store" });
});
