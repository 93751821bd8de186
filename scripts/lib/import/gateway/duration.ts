/**
 * Gateway API durations (GEP-2257): one to four parts of up to five digits, each with a
 * unit h, m, s or ms — "10s", "1h30m", "500ms", "0s". Undefined for anything else, so the
 * caller can report the field.
 */
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/** Milliseconds, or undefined when `value` is not a Gateway API duration. */
export function gatewayDurationMs(value: unknown): number | undefined {
  if (typeof value !== "string" || !/^([0-9]{1,5}(h|ms|m|s)){1,4}$/.test(value)) return undefined;
  let total = 0;
  for (const [, digits, unit] of value.matchAll(/([0-9]{1,5})(h|ms|m|s)/g)) total += Number(digits) * (UNIT_MS[unit ?? ""] ?? 0);
  return total;
}
