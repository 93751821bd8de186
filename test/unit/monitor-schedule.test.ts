import { describe, expect, it } from "vitest";
import { MonitorSchema } from "../../src/config/schema.ts";
import type { Monitor } from "../../src/config/schema.ts";
import {
  DUE_SLACK_MS,
  MAX_START_SPREAD_MS,
  dueMonitors,
  dueOnCronTick,
  earliest,
  isSubMinute,
  nextDueAfter,
  startSpreadMs,
} from "../../src/health/monitor-schedule.ts";
import { mulberry32 } from "./helpers/random.ts";

const MINUTE_MS = 60_000;

/** A monitor with real schema defaults and the given interval. */
function monitor(id: string, intervalSeconds: number): Monitor {
  return MonitorSchema.parse({ id, intervalSeconds });
}

/** Which of the cron ticks at minutes 0…count-1 (plus `offsetMs` into each minute) run the monitor. */
function dueTicks(m: Monitor, count: number, offsetMs = 0): number[] {
  const due: number[] = [];
  for (let minute = 0; minute < count; minute++) if (dueOnCronTick(m, minute * MINUTE_MS + offsetMs)) due.push(minute);
  return due;
}

describe("isSubMinute", () => {
  it("59 s runs from the alarm loop, 60 s from the cron trigger", () => {
    expect(isSubMinute(monitor("m59", 59))).toBe(true);
    expect(isSubMinute(monitor("m60", 60))).toBe(false);
  });

  it("the schema's default interval (60 s) is cron-driven", () => {
    expect(isSubMinute(MonitorSchema.parse({ id: "default" }))).toBe(false);
  });
});

describe("dueOnCronTick", () => {
  it("a 60 s monitor runs on every tick", () => {
    expect(dueTicks(monitor("m", 60), 6)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("a 120 s monitor runs on every other tick, by minute index", () => {
    expect(dueTicks(monitor("m", 120), 6)).toEqual([0, 2, 4]);
  });

  it("a 300 s monitor runs on every fifth tick", () => {
    expect(dueTicks(monitor("m", 300), 12)).toEqual([0, 5, 10]);
  });

  it("uses the minute index, so a tick late within its minute still counts for that minute", () => {
    expect(dueTicks(monitor("m", 120), 6, 59_999)).toEqual([0, 2, 4]);
    expect(dueOnCronTick(monitor("m", 120), 2 * MINUTE_MS - 1)).toBe(false);
    expect(dueOnCronTick(monitor("m", 120), 2 * MINUTE_MS)).toBe(true);
  });

  it("is never true for a sub-minute monitor", () => {
    expect(dueTicks(monitor("m", 30), 6)).toEqual([]);
    expect(dueTicks(monitor("m", 59), 6)).toEqual([]);
  });
});

describe("dueMonitors", () => {
  const fast = monitor("fast", 10);
  const other = monitor("other", 5);
  const slow = monitor("slow", 60);
  const now = 1_000_000;
  const ids = (ms: readonly Monitor[]): string[] => ms.map((m) => m.id);

  it("a monitor that never ran is due at once", () => {
    expect(ids(dueMonitors([fast, other], new Map(), now))).toEqual(["fast", "other"]);
  });

  it("a monitor is due when its next-due time is past, now, or within the slack", () => {
    expect(ids(dueMonitors([fast], new Map([["fast", now - 1]]), now))).toEqual(["fast"]);
    expect(ids(dueMonitors([fast], new Map([["fast", now]]), now))).toEqual(["fast"]);
    expect(ids(dueMonitors([fast], new Map([["fast", now + DUE_SLACK_MS]]), now))).toEqual(["fast"]);
  });

  it("a monitor is not due before its next-due time less the slack", () => {
    expect(dueMonitors([fast], new Map([["fast", now + DUE_SLACK_MS + 1]]), now)).toEqual([]);
    expect(dueMonitors([fast], new Map([["fast", now + 5_000]]), now)).toEqual([]);
  });

  it("picks only the due ones, each by its own next-due time", () => {
    const nextDue = new Map([
      ["fast", now + 5_000],
      ["other", now - 10],
    ]);
    expect(ids(dueMonitors([fast, other], nextDue, now))).toEqual(["other"]);
  });

  it("ignores monitors of 60 s or more, even when never run or overdue", () => {
    expect(ids(dueMonitors([slow, fast], new Map(), now))).toEqual(["fast"]);
    expect(dueMonitors([slow], new Map([["slow", 0]]), now)).toEqual([]);
  });
});

describe("nextDueAfter", () => {
  const m = monitor("m", 10);
  const ranAt = 500_000;

  it("random 0 gives the interval less 10%", () => {
    expect(nextDueAfter(m, ranAt, () => 0)).toBe(ranAt + 9_000);
  });

  it("random 0.5 gives exactly the interval", () => {
    expect(nextDueAfter(m, ranAt, () => 0.5)).toBe(ranAt + 10_000);
  });

  it("random 0.999 stays within the interval plus 10%, above the interval", () => {
    const next = nextDueAfter(m, ranAt, () => 0.999);
    expect(next).toBeGreaterThan(ranAt + 10_000);
    expect(next).toBeLessThanOrEqual(ranAt + 11_000);
  });

  it("every seeded draw lands within the interval ±10%, and the draws differ", () => {
    const random = mulberry32(42);
    const offsets = Array.from({ length: 200 }, () => nextDueAfter(m, ranAt, random) - ranAt);
    for (const offset of offsets) {
      expect(offset).toBeGreaterThanOrEqual(9_000);
      expect(offset).toBeLessThanOrEqual(11_000);
    }
    expect(new Set(offsets).size).toBeGreaterThan(50);
  });

  it("scales with the interval", () => {
    expect(nextDueAfter(monitor("m", 30), 0, () => 0)).toBe(27_000);
    expect(nextDueAfter(monitor("m", 30), 0, () => 0.5)).toBe(30_000);
  });
});

describe("startSpreadMs", () => {
  it("is 10% of the interval", () => {
    expect(startSpreadMs(monitor("m", 1))).toBe(100);
    expect(startSpreadMs(monitor("m", 5))).toBe(500);
  });

  it("is capped at 1 s", () => {
    expect(startSpreadMs(monitor("m", 10))).toBe(MAX_START_SPREAD_MS);
    expect(startSpreadMs(monitor("m", 30))).toBe(1_000);
    expect(startSpreadMs(monitor("m", 300))).toBe(1_000);
  });
});

describe("earliest", () => {
  it("is undefined when there is no time", () => {
    expect(earliest([])).toBeUndefined();
    expect(earliest([undefined, undefined])).toBeUndefined();
  });

  it("is the smallest time, skipping undefined", () => {
    expect(earliest([30, undefined, 10, 20])).toBe(10);
    expect(earliest([undefined, 7])).toBe(7);
  });

  it("handles zero and negative times", () => {
    expect(earliest([5, 0, 3])).toBe(0);
    expect(earliest([5, -2, 0])).toBe(-2);
  });

  it("takes any iterable, such as a map's values", () => {
    expect(
      earliest(
        new Map([
          ["a", 300],
          ["b", 100],
          ["c", 200],
        ]).values(),
      ),
    ).toBe(100);
  });
});
