/**
 * When each monitor runs. Monitors with `intervalSeconds` of 60 or more run from the cron
 * trigger (which fires once a minute): a 120 s monitor on every second tick, and so on
 * (an interval that is not a whole number of minutes is rounded to one: 90 s runs every
 * 120 s).
 * Faster monitors run from the Durable Object's alarm loop, which keeps a next-due time
 * per monitor and wakes for the earliest one.
 *
 * Jitter (as Envoy's `interval_jitter`): each next-due time is moved by up to ±10% of the
 * interval, and probes within a round start spread over up to 10% of the interval (at
 * most 1 s), so monitors and origins drift apart instead of firing in lockstep.
 */
import type { Monitor } from "../config/schema.ts";

/** The cron trigger's period: monitors at least this slow run from it. */
export const CRON_PERIOD_SECONDS = 60;
/** Share of the interval by which next-due times and probe starts are spread. */
export const JITTER_FRACTION = 0.1;
/** The longest spread of probe starts within one round. */
export const MAX_START_SPREAD_MS = 1_000;
/** An alarm that fires this early still runs what is nearly due (timers are not exact). */
export const DUE_SLACK_MS = 50;

/** Whether a monitor runs from the alarm loop rather than the cron trigger. */
export function isSubMinute(monitor: Monitor): boolean {
  return monitor.intervalSeconds < CRON_PERIOD_SECONDS;
}

/** Whether a cron-driven monitor is due on the tick scheduled at `scheduledTime` (ms). */
export function dueOnCronTick(monitor: Monitor, scheduledTime: number): boolean {
  if (isSubMinute(monitor)) return false;
  const everyTicks = Math.max(1, Math.round(monitor.intervalSeconds / CRON_PERIOD_SECONDS));
  return Math.floor(scheduledTime / (CRON_PERIOD_SECONDS * 1_000)) % everyTicks === 0;
}

/** Sub-minute monitors whose next run is due at `now`; a monitor never run is due at once. */
export function dueMonitors(monitors: readonly Monitor[], nextDue: ReadonlyMap<string, number>, now: number): Monitor[] {
  return monitors.filter((m) => isSubMinute(m) && (nextDue.get(m.id) ?? Number.NEGATIVE_INFINITY) <= now + DUE_SLACK_MS);
}

/** When a monitor that ran at `ranAt` is due again: one interval later, ±10%. */
export function nextDueAfter(monitor: Monitor, ranAt: number, random: () => number): number {
  const interval = monitor.intervalSeconds * 1_000;
  return ranAt + Math.round(interval * (1 + JITTER_FRACTION * (2 * random() - 1)));
}

/** How far apart the probes of one round may start for this monitor. */
export function startSpreadMs(monitor: Monitor): number {
  return Math.min(MAX_START_SPREAD_MS, monitor.intervalSeconds * 1_000 * JITTER_FRACTION);
}

/** The earliest of the given times, or undefined when there is none. */
export function earliest(times: Iterable<number | undefined>): number | undefined {
  let min: number | undefined;
  for (const t of times) if (t !== undefined && (min === undefined || t < min)) min = t;
  return min;
}
