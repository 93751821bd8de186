/**
 * The status page (`GET /_edgeway/status`), as components: props in, HTML out, no
 * bindings, no clock (the time is a prop). A table per pool with every origin's health
 * and why, its ejection, the admin overrides on it, its effective weight beside the
 * configured one, sparklines of probe latency and error rate, and its last transitions.
 * Charts are inline SVG drawn here; the page needs no script and refreshes itself with
 * `<meta http-equiv="refresh">`. On a narrow screen each row becomes a card.
 */
import type { Child } from "hono/jsx";
import type { HistoryEntry } from "../state/health-store.ts";
import type { TrafficBucket } from "../state/ejection-store.ts";
import type { Transition } from "../health/state-machine.ts";
import { hasOverrides } from "../config/overrides.ts";
import type { OriginOverrides } from "../config/overrides.ts";
import { areaPath, linePath, niceCeiling, project, withGaps } from "./sparkline.ts";
import type { SparkFrame } from "./sparkline.ts";

/** One origin in one pool, as the page shows it. */
export interface OriginRow {
  readonly id: string;
  readonly url: string;
  readonly region?: string | undefined;
  /** Set for a self-registered origin. */
  readonly registered?: { readonly lastHeartbeat: number; readonly ttlSeconds: number } | undefined;
  /** The health steering uses: what probes (or heartbeats) say, or what an operator forced. */
  readonly healthy: boolean;
  readonly reason: string;
  readonly since: number | null;
  readonly lastProbeAt: number | null;
  readonly ejection?: { readonly until: number; readonly reason: string; readonly kind: string } | undefined;
  readonly overrides: OriginOverrides;
  readonly configuredWeight: number;
  readonly configuredEnabled: boolean;
  /** The weight steering uses (0 when disabled or drained). */
  readonly effectiveWeight: number;
  /** Newest first or in any order: the charts sort. */
  readonly history: readonly HistoryEntry[];
  readonly traffic: readonly TrafficBucket[];
  /** Newest first. */
  readonly transitions: readonly Transition[];
}

export interface PoolSection {
  readonly id: string;
  readonly steering: string;
  readonly monitor: string | undefined;
  readonly minHealthy: number;
  readonly origins: readonly OriginRow[];
}

export interface StatusPageProps {
  readonly now: number;
  /** The config in force, or undefined when none was ever stored. */
  readonly config: { readonly version: number; readonly storedAt: string } | undefined;
  /** Where health came from: the Durable Object, or this isolate's snapshot because it could not be reached. */
  readonly source: "durable_object" | "isolate_snapshot";
  /** Why the Durable Object could not be reached. */
  readonly error?: string | undefined;
  /** When this isolate's snapshot was generated (shown with the fallback note). */
  readonly snapshotAt?: number | undefined;
  readonly pools: readonly PoolSection[];
  /** Origins known but in no pool of the config in force (a registration whose pool went away, an unused origin). */
  readonly unpooled: readonly OriginRow[];
  /** Seconds between automatic reloads; 0 turns them off. */
  readonly refreshSeconds: number;
  /** The length of one traffic bucket, so a missing bucket shows as a gap. */
  readonly trafficBucketMs: number;
}

const CHART: Omit<SparkFrame, "t0" | "t1" | "vMax"> = { width: 160, height: 34 };
/** The shortest time a chart spans. */
const MIN_WINDOW_MS = 10_000;

// ---- time -----------------------------------------------------------------------------

function span(seconds: number): string {
  const s = Math.round(Math.abs(seconds));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

/** "3 min ago" / "in 25 s". */
function relative(at: number, now: number): string {
  const seconds = (now - at) / 1000;
  return seconds >= 0 ? `${span(seconds)} ago` : `in ${span(seconds)}`;
}

/** UTC clock time, with the date when it is not within the last day. */
function clock(at: number, now: number): string {
  const iso = new Date(at).toISOString();
  return Math.abs(now - at) < 86_400_000 ? `${iso.slice(11, 19)}Z` : `${iso.slice(0, 10)} ${iso.slice(11, 16)}Z`;
}

/** A time as "3 min ago (11:57:02Z)"; `brief` leaves the clock to the tooltip. */
function When({ at, now, brief = false }: { at: number | null; now: number; brief?: boolean }) {
  if (at === null || at <= 0) return <span class="muted">never</span>;
  const iso = new Date(at).toISOString();
  return (
    <time datetime={iso} title={iso}>
      {relative(at, now)}
      {!brief && <span class="muted"> ({clock(at, now)})</span>}
    </time>
  );
}

// ---- state ----------------------------------------------------------------------------

/** The one word for a row's state, worst first: it picks the row's colour. */
function rowState(o: OriginRow, now: number): "disabled" | "unhealthy" | "ejected" | "drained" | "healthy" {
  if (!o.configuredEnabled || o.overrides.state?.value === "disabled") return "disabled";
  if (!o.healthy) return "unhealthy";
  if (o.ejection !== undefined && o.ejection.until > now) return "ejected";
  if (o.effectiveWeight === 0) return "drained";
  return "healthy";
}

/** Whether new traffic may go to the origin. */
function available(o: OriginRow, now: number): boolean {
  return rowState(o, now) === "healthy";
}

function poolState(pool: PoolSection, now: number): { word: "up" | "degraded" | "down"; available: number } {
  const n = pool.origins.filter((o) => available(o, now)).length;
  const word = n < Math.max(1, pool.minHealthy) ? "down" : n < pool.origins.length ? "degraded" : "up";
  return { word, available: n };
}

function newestProbe(o: OriginRow): HistoryEntry | undefined {
  return o.history.reduce<HistoryEntry | undefined>((a, b) => (a === undefined || b.at > a.at ? b : a), undefined);
}

function probeSummary(h: HistoryEntry): string {
  return h.ok ? `${h.reason}, ${Math.round(h.latencyMs)} ms` : `failed, ${h.reason}`;
}

function percent(x: number): string {
  return `${x >= 0.1 || x === 0 ? Math.round(x * 100) : (x * 100).toFixed(1)} %`;
}

// ---- cells ----------------------------------------------------------------------------

function OverrideLine({ label, o, now }: { label: string; o: { reason: string; actor: string; at: number }; now: number }) {
  return (
    <div class="override">
      <span class="chip">{label}</span>{" "}
      <span class="sub">
        “{o.reason}” — {o.actor}, <When at={o.at} now={now} />
      </span>
    </div>
  );
}

function Overrides({ o, now }: { o: OriginRow; now: number }) {
  const { state, weight, health } = o.overrides;
  if (!hasOverrides(o.overrides)) return <span class="muted">none</span>;
  return (
    <>
      {state !== undefined && <OverrideLine label={state.value} o={state} now={now} />}
      {weight !== undefined && <OverrideLine label={`weight ${weight.value}`} o={weight} now={now} />}
      {health !== undefined && <OverrideLine label={`forced ${health.value}`} o={health} now={now} />}
    </>
  );
}

function Weight({ o, share }: { o: OriginRow; share: number | undefined }) {
  const differs = o.effectiveWeight !== o.configuredWeight || !o.configuredEnabled;
  return (
    <>
      <b class={differs ? "changed" : ""}>{o.effectiveWeight}</b>
      {differs && <span class="sub"> of {o.configuredEnabled ? o.configuredWeight : `${o.configuredWeight} (disabled in config)`}</span>}
      <div class="sub" title="share of new traffic among the pool's available origins">
        {share === undefined ? "no new traffic" : `share ${percent(share)}`}
      </div>
    </>
  );
}

function LatencyChart({ o, t0, now }: { o: OriginRow; t0: number; now: number }) {
  if (o.history.length === 0) return <span class="muted">no probes yet</span>;
  const points = o.history.map((h) => ({ t: h.at, v: h.ok ? h.latencyMs : null }));
  const vMax = niceCeiling(
    points.map((p) => p.v),
    10,
  );
  const frame: SparkFrame = { ...CHART, t0, t1: now, vMax };
  const failed = o.history.filter((h) => !h.ok && h.at >= t0);
  const newest = newestProbe(o);
  const last = newest === undefined ? "" : newest.ok ? `${Math.round(newest.latencyMs)} ms` : `failed: ${newest.reason}`;
  return (
    <figure class="chart">
      <svg
        class="spark latency"
        viewBox={`0 0 ${CHART.width} ${CHART.height}`}
        width={CHART.width}
        height={CHART.height}
        role="img"
        aria-label={`probe latency of ${o.id}, 0 to ${vMax} ms`}
        data-points={String(o.history.length)}
      >
        <title>{`probe latency, ${o.history.length} probes, scale 0–${vMax} ms; red ticks: failed probes`}</title>
        <path class="area" d={areaPath(points, frame)} />
        <path class="line" d={linePath(points, frame)} />
        {failed.map((h) => {
          const p = project(h.at, vMax, frame);
          return <rect class="fail" x={(p.x - 1).toFixed(2)} y="0" width="2" height={String(CHART.height)} />;
        })}
      </svg>
      <figcaption>
        {last} <span class="muted">· 0–{vMax} ms</span>
      </figcaption>
    </figure>
  );
}

function ErrorChart({ o, t0, now, bucketMs }: { o: OriginRow; t0: number; now: number; bucketMs: number }) {
  const buckets = o.traffic.filter((b) => b.at >= t0 && b.tries > 0);
  if (buckets.length === 0) return <span class="muted">no traffic</span>;
  const points = withGaps(
    buckets.map((b) => ({ t: b.at, v: b.failures / b.tries })),
    bucketMs * 1.5,
  );
  const frame: SparkFrame = { ...CHART, t0, t1: now, vMax: 1 };
  const tries = buckets.reduce((n, b) => n + b.tries, 0);
  const failures = buckets.reduce((n, b) => n + b.failures, 0);
  const newest = buckets.reduce((a, b) => (b.at > a.at ? b : a));
  return (
    <figure class="chart">
      <svg
        class="spark errors"
        viewBox={`0 0 ${CHART.width} ${CHART.height}`}
        width={CHART.width}
        height={CHART.height}
        role="img"
        aria-label={`error rate of ${o.id}, 0 to 100 %`}
        data-points={String(buckets.length)}
      >
        <title>{`failed tries per ${bucketMs / 1000} s, scale 0–100 %`}</title>
        <path class="area" d={areaPath(points, frame)} />
        <path class="line" d={linePath(points, frame)} />
      </svg>
      <figcaption>
        {percent(newest.failures / newest.tries)} now{" "}
        <span class="muted">
          · {percent(failures / tries)} of {tries} tries
        </span>
      </figcaption>
    </figure>
  );
}

function Transitions({ o, now }: { o: OriginRow; now: number }) {
  if (o.transitions.length === 0) return <span class="muted">none</span>;
  const item = (t: Transition) => (
    <li>
      <span class={`to ${t.to}`}>
        {t.to === "healthy" ? "▲" : "▼"} {t.to}
      </span>{" "}
      <When at={t.at} now={now} />
      <div class="sub">{t.reason}</div>
    </li>
  );
  const [first, second, ...rest] = o.transitions;
  return (
    <>
      <ul class="transitions">
        {first !== undefined && item(first)}
        {second !== undefined && item(second)}
      </ul>
      {rest.length > 0 && (
        <details>
          <summary>{rest.length} earlier</summary>
          <ul class="transitions">{rest.map(item)}</ul>
        </details>
      )}
    </>
  );
}

// ---- rows, pools, page ----------------------------------------------------------------

interface Windows {
  readonly probeFrom: number;
  readonly trafficFrom: number;
}

function OriginTr({
  o,
  share,
  now,
  windows,
  bucketMs,
  pool,
}: {
  o: OriginRow;
  share: number | undefined;
  now: number;
  windows: Windows;
  bucketMs: number;
  pool: string;
}) {
  const state = rowState(o, now);
  const ejected = o.ejection !== undefined && o.ejection.until > now;
  const forced = o.overrides.health !== undefined;
  const probe = newestProbe(o);
  return (
    <tr
      class={`origin ${state}`}
      data-origin={o.id}
      data-pool={pool}
      data-health={o.healthy ? "healthy" : "unhealthy"}
      data-state={state}
      data-weight={String(o.effectiveWeight)}
      data-configured-weight={String(o.configuredWeight)}
    >
      <td data-label="Origin">
        <b class="id">{o.id}</b>
        {o.registered !== undefined && <span class="chip reg">registered</span>}
        <div class="sub url">{o.url}</div>
        {o.region !== undefined && <div class="sub">{o.region}</div>}
        {o.registered !== undefined && (
          <div class="sub">
            heartbeat <When at={o.registered.lastHeartbeat} now={now} brief /> (TTL {o.registered.ttlSeconds} s)
          </div>
        )}
      </td>
      <td data-label="Health">
        <span class={`badge ${o.healthy ? "healthy" : "unhealthy"}`}>{o.healthy ? "healthy" : "unhealthy"}</span>
        {forced && <span class="chip">forced</span>}
        <div class="sub reason">{o.reason}</div>
        <div class="sub">
          since <When at={o.since} now={now} />
        </div>
        <div class="sub">
          last probe <When at={o.lastProbeAt} now={now} brief />
          {probe !== undefined && `: ${probeSummary(probe)}`}
        </div>
      </td>
      <td data-label="Ejected" class={ejected ? "" : "none"}>
        {ejected && o.ejection !== undefined ? (
          <>
            <span class="badge ejected">ejected</span>
            <div class="sub">
              until <When at={o.ejection.until} now={now} />
            </div>
            <div class="sub" title={o.ejection.kind}>
              {o.ejection.reason}
            </div>
          </>
        ) : (
          <span class="muted">no</span>
        )}
      </td>
      <td data-label="Overrides" class={hasOverrides(o.overrides) ? "" : "none"}>
        <Overrides o={o} now={now} />
      </td>
      <td data-label="Weight">
        <Weight o={o} share={share} />
      </td>
      <td data-label="Probe latency">
        <LatencyChart o={o} t0={windows.probeFrom} now={now} />
      </td>
      <td data-label="Error rate">
        <ErrorChart o={o} t0={windows.trafficFrom} now={now} bucketMs={bucketMs} />
      </td>
      <td data-label="Transitions">
        <Transitions o={o} now={now} />
      </td>
    </tr>
  );
}

function OriginTable({
  origins,
  now,
  windows,
  bucketMs,
  pool,
}: {
  origins: readonly OriginRow[];
  now: number;
  windows: Windows;
  bucketMs: number;
  pool: string;
}) {
  const total = origins.filter((o) => available(o, now)).reduce((n, o) => n + o.effectiveWeight, 0);
  return (
    <table>
      <colgroup>
        <col class="c-origin" />
        <col class="c-health" />
        <col class="c-ejected" />
        <col class="c-overrides" />
        <col class="c-weight" />
        <col class="c-chart" />
        <col class="c-chart" />
        <col class="c-transitions" />
      </colgroup>
      <thead>
        <tr>
          <th>Origin</th>
          <th>Health</th>
          <th>Ejected</th>
          <th>Overrides</th>
          <th>Weight</th>
          <th>Probe latency</th>
          <th>Error rate</th>
          <th>Last transitions</th>
        </tr>
      </thead>
      <tbody>
        {origins.map((o) => (
          <OriginTr
            o={o}
            pool={pool}
            share={available(o, now) && total > 0 ? o.effectiveWeight / total : undefined}
            now={now}
            windows={windows}
            bucketMs={bucketMs}
          />
        ))}
      </tbody>
    </table>
  );
}

function Pool({ pool, now, windows, bucketMs }: { pool: PoolSection; now: number; windows: Windows; bucketMs: number }) {
  const { word, available: n } = poolState(pool, now);
  return (
    <section class="pool" id={`pool-${pool.id}`} data-pool={pool.id}>
      <h2>
        <span class={`badge pool-${word}`}>{word}</span> pool <b>{pool.id}</b>{" "}
        <small>
          {n}/{pool.origins.length} available (min {pool.minHealthy}) · steering {pool.steering} · monitor {pool.monitor ?? "none"}
        </small>
      </h2>
      <OriginTable origins={pool.origins} now={now} windows={windows} bucketMs={bucketMs} pool={pool.id} />
    </section>
  );
}

/** The earliest sample the page shows, so every chart of a kind spans the same time. */
function windowsOf(rows: readonly OriginRow[], now: number): Windows {
  // From the oldest sample kept (at least the last MIN_WINDOW_MS), so a young history fills the chart.
  const earliest = (times: number[]) => Math.min(now - MIN_WINDOW_MS, ...times);
  return {
    probeFrom: earliest(rows.flatMap((o) => o.history.map((h) => h.at))),
    trafficFrom: earliest(rows.flatMap((o) => o.traffic.filter((b) => b.tries > 0).map((b) => b.at))),
  };
}

/** Counts over distinct origins; the facets overlap (an unhealthy origin may also be ejected). */
function Summary({ rows, now }: { rows: readonly OriginRow[]; now: number }) {
  const all = [...new Map(rows.map((o) => [o.id, o])).values()];
  const count = (test: (o: OriginRow) => boolean) => all.filter(test).length;
  const disabled = (o: OriginRow) => !o.configuredEnabled || o.overrides.state?.value === "disabled";
  return (
    <p class="summary">
      <b>{all.length}</b> origins: <span class="to healthy">{count((o) => o.healthy)} healthy</span> ·{" "}
      <span class="to unhealthy">{count((o) => !o.healthy)} unhealthy</span> ·{" "}
      {count((o) => o.ejection !== undefined && o.ejection.until > now)} ejected · {count((o) => !disabled(o) && o.effectiveWeight === 0)}{" "}
      drained · {count(disabled)} disabled · {count((o) => hasOverrides(o.overrides))} with overrides
    </p>
  );
}

export function StatusPage(props: StatusPageProps): Child {
  const { now } = props;
  const rows = [...props.pools.flatMap((p) => p.origins), ...props.unpooled];
  const windows = windowsOf(rows, now);
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {props.refreshSeconds > 0 && <meta http-equiv="refresh" content={String(props.refreshSeconds)} />}
        <title>Edgeway status</title>
        <style dangerouslySetInnerHTML={{ __html: CSS }} />
      </head>
      <body>
        <header>
          <h1>Edgeway status</h1>
          <p class="meta">
            {props.config === undefined ? (
              <span class="badge unhealthy">no config stored</span>
            ) : (
              <>
                config <b>v{props.config.version}</b> stored <When at={Date.parse(props.config.storedAt)} now={now} />
              </>
            )}{" "}
            · generated {clock(now, now)} · health from{" "}
            {props.source === "durable_object" ? "the Durable Object" : "this isolate's snapshot"}
            {props.refreshSeconds > 0 ? ` · reloads every ${props.refreshSeconds} s` : ""}
          </p>
        </header>
        {props.source === "isolate_snapshot" && (
          <p class="note" role="status">
            The Durable Object could not be reached{props.error === undefined ? "" : ` (${props.error})`}: health below is this isolate's
            snapshot
            {props.snapshotAt === undefined ? (
              " — it has none, so every origin counts as healthy"
            ) : (
              <>
                {" "}
                from <When at={props.snapshotAt} now={now} />
              </>
            )}
            . Probe history, traffic and transitions are unavailable.
          </p>
        )}
        <Summary rows={rows} now={now} />
        {props.pools.map((pool) => (
          <Pool pool={pool} now={now} windows={windows} bucketMs={props.trafficBucketMs} />
        ))}
        {props.unpooled.length > 0 && (
          <section class="pool" data-pool="">
            <h2>
              not in any pool <small>known to Edgeway, but no pool of the config in force serves them</small>
            </h2>
            <OriginTable origins={props.unpooled} now={now} windows={windows} bucketMs={props.trafficBucketMs} pool="" />
          </section>
        )}
        <footer>
          <p class="legend">
            <span class="badge healthy">healthy</span> <span class="badge unhealthy">unhealthy</span>{" "}
            <span class="badge ejected">ejected</span> (outlier detection) <span class="chip">drained</span>{" "}
            <span class="chip">disabled</span> (admin overrides). Weight: effective, then configured when they differ. Charts: probe latency
            (red ticks: failed probes) and the share of failed tries per {props.trafficBucketMs / 1000} s bucket, over the history the
            Durable Object keeps. Times in UTC.
          </p>
        </footer>
      </body>
    </html>
  );
}

const CSS = `
:root{--ok:#1a7f37;--ok-bg:#e6f4ea;--bad:#c62828;--bad-bg:#fdecea;--warn:#b25e00;--warn-bg:#fff4e0;--off:#5f6368;--off-bg:#eef0f2;--drain:#6f42c1;--drain-bg:#f3eefc;--line:#d0d7de;--muted:#6a737d;--fg:#1f2328;--bg:#fff}
*{box-sizing:border-box}
body{margin:0;padding:12px 16px;font:13px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:18px;margin:0 0 2px}
h2{font-size:15px;margin:18px 0 6px;font-weight:600}
h2 small{font-weight:400;color:var(--muted);font-size:12px}
.meta,.summary{margin:2px 0;color:var(--muted)}
.summary{color:var(--fg)}
.note{background:var(--warn-bg);border-left:4px solid var(--warn);padding:6px 10px;margin:8px 0}
table{border-collapse:collapse;width:100%;table-layout:fixed}
col.c-origin{width:14%} col.c-health{width:15%} col.c-ejected{width:10%} col.c-overrides{width:11%} col.c-weight{width:6%} col.c-chart{width:176px} col.c-transitions{width:auto}
td{overflow-wrap:anywhere}
th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid var(--line)}
th{font-size:11px;text-transform:uppercase;letter-spacing:.03em;color:var(--muted);font-weight:600;background:#f6f8fa}
tr.origin>td:first-child{border-left:4px solid var(--ok)}
tr.unhealthy{background:var(--bad-bg)} tr.unhealthy>td:first-child{border-left-color:var(--bad)}
tr.ejected{background:var(--warn-bg)} tr.ejected>td:first-child{border-left-color:var(--warn)}
tr.drained{background:var(--drain-bg)} tr.drained>td:first-child{border-left-color:var(--drain)}
tr.disabled{background:var(--off-bg);color:var(--off)} tr.disabled>td:first-child{border-left-color:var(--off)}
.id{font-size:14px}
.sub{color:var(--muted);font-size:12px}
.url{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
.muted{color:var(--muted)}
.badge{display:inline-block;padding:1px 7px;border-radius:9px;font-size:12px;font-weight:600;color:#fff;background:var(--off)}
.badge.healthy,.badge.pool-up{background:var(--ok)}
.badge.unhealthy,.badge.pool-down{background:var(--bad)}
.badge.ejected,.badge.pool-degraded{background:var(--warn)}
.chip{display:inline-block;padding:0 6px;border-radius:4px;font-size:12px;border:1px solid var(--drain);color:var(--drain)}
.chip.reg{border-color:var(--muted);color:var(--muted);margin-left:6px}
.override{margin-bottom:3px}
.changed{color:var(--drain)}
.to.healthy{color:var(--ok);font-weight:600}
.to.unhealthy{color:var(--bad);font-weight:600}
.transitions{list-style:none;margin:0;padding:0}
.transitions li{margin-bottom:3px}
details summary{cursor:pointer;color:var(--muted);font-size:12px}
figure.chart{margin:0}
figcaption{font-size:12px}
svg.spark{display:block;max-width:100%;height:auto;background:#f6f8fa;border-radius:3px}
svg.spark .line{fill:none;stroke-width:1.5;stroke-linejoin:round;vector-effect:non-scaling-stroke}
svg.latency .line{stroke:#0969da} svg.latency .area{fill:#0969da22}
svg.errors .line{stroke:var(--bad)} svg.errors .area{fill:#c6282833}
svg.spark .fail{fill:var(--bad);opacity:.7}
.legend{color:var(--muted);font-size:12px;margin-top:16px}
@media (max-width:760px){
  body{padding:8px}
  table,tbody,tr,td{display:block;width:100%}
  thead{display:none}
  tr.origin{border:1px solid var(--line);border-left-width:4px;border-radius:6px;margin-bottom:10px;padding:4px 0}
  tr.origin>td:first-child{border-left:0}
  tr.healthy{border-left-color:var(--ok)} tr.unhealthy{border-left-color:var(--bad)} tr.ejected{border-left-color:var(--warn)}
  tr.drained{border-left-color:var(--drain)} tr.disabled{border-left-color:var(--off)}
  td{border:0;padding:3px 10px 3px 112px;position:relative;min-height:22px}
  td.none{display:none}
  td::before{content:attr(data-label);position:absolute;left:10px;top:5px;width:96px;font-size:11px;text-transform:uppercase;color:var(--muted)}
}
`;
