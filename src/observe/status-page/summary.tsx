/** The summary line: how many origins are healthy, unhealthy, ejected, drained, disabled or overridden. */
import { hasOverrides } from "../../config/overrides.ts";
import type { OriginRow } from "./types.ts";

/** Counts over distinct origins; the facets overlap (an unhealthy origin may also be ejected). */
export function Summary({ rows, now }: { rows: readonly OriginRow[]; now: number }) {
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
