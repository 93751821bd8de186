/** The table of origins: one row per origin (a card on a narrow screen) with its health, ejection, overrides, weight, charts and transitions. */
import { hasOverrides } from "../../config/overrides.ts";
import { Overrides, RegionLine, Transitions, Weight } from "./cells.tsx";
import { ErrorChart, LatencyChart } from "./charts.tsx";
import { ColoEjections } from "./colos.tsx";
import { available, newestProbe, probeSummary, rowState } from "./state.ts";
import { When } from "./time.tsx";
import type { OriginRow } from "./types.ts";
import type { Windows } from "./windows.ts";

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
        {o.discovered !== undefined && <span class="chip reg">{o.discovered.source}</span>}
        {o.discovered !== undefined && o.discovered.state !== "active" && <span class="chip">{o.discovered.state}</span>}
        <div class="sub url">{o.url}</div>
        {o.region !== undefined && <div class="sub">{o.region}</div>}
        {o.registered !== undefined && (
          <div class="sub">
            heartbeat <When at={o.registered.lastHeartbeat} now={now} brief /> (TTL {o.registered.ttlSeconds} s)
            {o.registered.registrant !== undefined && ` · by ${o.registered.registrant}`}
            {o.registered.matched !== undefined && ` · policy ${o.registered.matched}`}
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
        {o.probeRegions !== undefined && <RegionLine regions={o.probeRegions} />}
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
            <ColoEjections o={o} now={now} />
          </>
        ) : (
          <>
            <span class="muted">{(o.colos ?? []).some((c) => c.until > now) ? "not here" : "no"}</span>
            <ColoEjections o={o} now={now} />
          </>
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

/** The origins of one pool (or of none), each with its share among the available ones. */
export function OriginTable({
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
  // A load-aware pool rotates over its live weights.
  const weightOf = (o: OriginRow): number => o.liveWeight?.weight ?? o.effectiveWeight;
  const total = origins.filter((o) => available(o, now)).reduce((n, o) => n + weightOf(o), 0);
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
            share={available(o, now) && total > 0 ? weightOf(o) / total : undefined}
            now={now}
            windows={windows}
            bucketMs={bucketMs}
          />
        ))}
      </tbody>
    </table>
  );
}
