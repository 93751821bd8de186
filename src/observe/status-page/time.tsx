/** Times on the status page: "3 min ago (11:57:02Z)", in UTC, relative to the `now` prop. */
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
export function clock(at: number, now: number): string {
  const iso = new Date(at).toISOString();
  return Math.abs(now - at) < 86_400_000 ? `${iso.slice(11, 19)}Z` : `${iso.slice(0, 10)} ${iso.slice(11, 16)}Z`;
}

/** A time as "3 min ago (11:57:02Z)"; `brief` leaves the clock to the tooltip. */
export function When({ at, now, brief = false }: { at: number | null; now: number; brief?: boolean }) {
  if (at === null || at <= 0) return <span class="muted">never</span>;
  const iso = new Date(at).toISOString();
  return (
    <time datetime={iso} title={iso}>
      {relative(at, now)}
      {!brief && <span class="muted"> ({clock(at, now)})</span>}
    </time>
  );
}
