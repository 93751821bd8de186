/**
 * Durations as Istio (protobuf Duration in YAML: "1s", "1.5s", "500ms", "2m", "1h") and
 * Envoy write them. Undefined for anything else, so the caller can report the field.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Milliseconds, or undefined when `value` is not a duration. */
export function durationMs(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)(ms|s|m|h)\s*$/.exec(value);
  if (m === null) return undefined;
  const unit = UNIT_MS[m[2] ?? ""];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}
