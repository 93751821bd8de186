/** The row's text cells: admin overrides with who and why, the weight and its share, the last transitions. */
import type { LiveWeightSource } from "../../steering/load-weights.ts";
import { hasOverrides } from "../../config/overrides.ts";
import type { Transition } from "../../health/state-machine.ts";
import { percent } from "./state.ts";
import { When } from "./time.tsx";
import type { OriginRow } from "./types.ts";

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

/** Each admin override on the origin, or "none". */
export function Overrides({ o, now }: { o: OriginRow; now: number }) {
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

/** Where a live weight comes from, in a few words. */
const LIVE_SOURCE: Readonly<Record<LiveWeightSource, string>> = {
  report: "from load reports",
  blackout: "reports in blackout",
  expired: "reports expired",
  unusable: "report unusable",
  no_report: "no load report",
  drained: "drained",
};

/** A live weight with three significant figures at most (they come from qps ÷ utilization). */
function formatWeight(w: number): string {
  return w >= 100 ? String(Math.round(w)) : String(Number(w.toPrecision(3)));
}

/** The effective weight, the configured one when they differ, the live weight in a load-aware pool, and the share of new traffic. */
export function Weight({ o, share }: { o: OriginRow; share: number | undefined }) {
  const differs = o.effectiveWeight !== o.configuredWeight || !o.configuredEnabled;
  return (
    <>
      <b class={differs ? "changed" : ""}>{o.effectiveWeight}</b>
      {differs && <span class="sub"> of {o.configuredEnabled ? o.configuredWeight : `${o.configuredWeight} (disabled in config)`}</span>}
      {o.liveWeight !== undefined && (
        <div
          class="sub"
          title="load-aware pool: the weight steering uses, from the origin's load reports or, without a live one, its configured weight on the same scale"
        >
          live {formatWeight(o.liveWeight.weight)} · {LIVE_SOURCE[o.liveWeight.source]}
        </div>
      )}
      <div class="sub" title="share of new traffic among the pool's available origins">
        {share === undefined ? "no new traffic" : `share ${percent(share)}`}
      </div>
    </>
  );
}

/** The two latest transitions, the earlier ones folded away. */
export function Transitions({ o, now }: { o: OriginRow; now: number }) {
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

/** "weur ✓ enam ✗ apac · (down at 2)": each probe region's verdict and the quorum. */
export function RegionLine({ regions }: { regions: NonNullable<OriginRow["probeRegions"]> }) {
  const mark = (h: boolean | null): string => (h === null ? "·" : h ? "✓" : "✗");
  return (
    <div class="sub regions" data-region-quorum={String(regions.regionQuorum)}>
      {regions.regions.map((r) => (
        <span class={`region ${r.healthy === null ? "pending" : r.healthy ? "up" : "down"}`} data-region={r.region}>
          {`${r.region} ${mark(r.healthy)} `}
        </span>
      ))}
      {`(down at ${regions.regionQuorum})`}
    </div>
  );
}
