/** The sparklines in each row: probe latency with failed probes marked, and the error rate of tries. */
import { areaPath, linePath, niceCeiling, project, withGaps } from "../sparkline.ts";
import type { SparkFrame } from "../sparkline.ts";
import { newestProbe, percent } from "./state.ts";
import type { OriginRow } from "./types.ts";

const CHART: Omit<SparkFrame, "t0" | "t1" | "vMax"> = { width: 160, height: 34 };

/** Probe latency over the probe window, failed probes as red ticks. */
export function LatencyChart({ o, t0, now }: { o: OriginRow; t0: number; now: number }) {
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

/** The share of failed tries per traffic bucket, a missing bucket as a gap. */
export function ErrorChart({ o, t0, now, bucketMs }: { o: OriginRow; t0: number; now: number; bucketMs: number }) {
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
