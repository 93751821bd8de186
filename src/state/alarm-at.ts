/**
 * Setting the Durable Object's one alarm: a loop that reschedules itself (docs/health.md).
 * An alarm set in the past may never fire locally, so it is never set closer than
 * MIN_ALARM_DELAY_MS; with nothing due it is deleted.
 */

/** The alarm is never set closer than this (an alarm in the past may never fire locally). */
export const MIN_ALARM_DELAY_MS = 100;

/** Sets the alarm for `next`, or deletes it when nothing is due. */
export async function sleepUntil(storage: DurableObjectStorage, next: number | undefined, now: number): Promise<void> {
  if (next === undefined) await storage.deleteAlarm();
  else await storage.setAlarm(Math.max(next, now + MIN_ALARM_DELAY_MS));
}

/** Moves the alarm earlier when `at` comes before it. */
export async function wakeBy(storage: DurableObjectStorage, at: number | undefined): Promise<void> {
  if (at === undefined) return;
  const current = await storage.getAlarm();
  if (current === null || current > at) await storage.setAlarm(Math.max(at, Date.now() + MIN_ALARM_DELAY_MS));
}
