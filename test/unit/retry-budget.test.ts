import { describe, expect, it } from "vitest";
import { RetryBudget } from "../../src/proxy/retry-budget.ts";

/** How many retries the budget grants at `now` before its first refusal (stops at `cap`). */
function drain(budget: RetryBudget, now: number, percent: number, floor: number, cap = 100_000): number {
  let granted = 0;
  while (granted < cap && budget.tryAcquire(now, percent, floor)) granted++;
  return granted;
}

describe("RetryBudget", () => {
  it("with no requests, the floor allows minRetriesPerSecond × 10 retries per window, then refuses", () => {
    const budget = new RetryBudget();
    expect(drain(budget, 1_000, 20, 10)).toBe(100);
    expect(budget.tryAcquire(1_000, 20, 10)).toBe(false);
    expect(budget.tryAcquire(5_000, 20, 10)).toBe(false);
  });

  it("with 1,000 requests at 20% and no floor, exactly 200 retries are allowed", () => {
    const budget = new RetryBudget();
    for (let i = 0; i < 1_000; i++) budget.recordRequest(2_000 + i);
    expect(drain(budget, 3_000, 20, 0)).toBe(200);
  });

  it("adds the percentage to the floor", () => {
    const budget = new RetryBudget();
    for (let i = 0; i < 50; i++) budget.recordRequest(0);
    // 20% of 50 = 10, plus 1/s × 10 s = 10.
    expect(drain(budget, 0, 20, 1)).toBe(20);
  });

  it("grants whole retries only: 3 requests at 20% earn none", () => {
    const budget = new RetryBudget();
    for (let i = 0; i < 3; i++) budget.recordRequest(0);
    expect(budget.tryAcquire(0, 20, 0)).toBe(false);
    for (let i = 0; i < 2; i++) budget.recordRequest(0);
    expect(drain(budget, 0, 20, 0)).toBe(1);
  });

  it("refuses everything with budgetPercent 0 and no floor", () => {
    const budget = new RetryBudget();
    for (let i = 0; i < 1_000; i++) budget.recordRequest(0);
    expect(budget.tryAcquire(0, 0, 0)).toBe(false);
  });

  it("with budgetPercent 100, allows one retry per request", () => {
    const budget = new RetryBudget();
    for (let i = 0; i < 37; i++) budget.recordRequest(100);
    expect(drain(budget, 200, 100, 0)).toBe(37);
  });

  it("slides: retries older than the window expire and allow again", () => {
    const budget = new RetryBudget();
    expect(drain(budget, 0, 20, 1)).toBe(10);
    // Still inside the window that holds them: refused.
    expect(budget.tryAcquire(9_999, 20, 1)).toBe(false);
    // 10 s on, the bucket they were counted in has left the window.
    expect(drain(budget, 10_000, 20, 1)).toBe(10);
  });

  it("slides bucket by bucket: only the expired part of the window frees up", () => {
    const budget = new RetryBudget();
    expect(drain(budget, 0, 0, 1, 4)).toBe(4);
    expect(drain(budget, 5_000, 0, 1)).toBe(6);
    // At 10 s the 4 from t=0 expire; the 6 from t=5 s are still in the window.
    expect(drain(budget, 10_000, 0, 1)).toBe(4);
    // At 15 s those 6 expire too (the 4 from 10 s remain).
    expect(drain(budget, 15_000, 0, 1)).toBe(6);
  });

  it("forgets requests that left the window", () => {
    const budget = new RetryBudget();
    for (let i = 0; i < 100; i++) budget.recordRequest(0);
    expect(drain(budget, 500, 50, 0)).toBe(50);
    // 11 s later neither the requests nor the retries count.
    expect(budget.tryAcquire(11_000, 50, 0)).toBe(false);
    for (let i = 0; i < 10; i++) budget.recordRequest(11_000);
    expect(drain(budget, 11_000, 50, 0)).toBe(5);
  });

  it("reuses a ring slot a whole window later without carrying its old counts", () => {
    const budget = new RetryBudget();
    for (let i = 0; i < 100; i++) budget.recordRequest(0);
    // Same slot (bucket 0 and bucket 10 share it), a window apart: the old requests are gone.
    budget.recordRequest(10_000);
    expect(drain(budget, 10_000, 100, 0)).toBe(1);
  });

  it("honours a custom window", () => {
    const budget = new RetryBudget(1_000);
    // The floor is per second × the window's seconds: 10/s over 1 s.
    expect(drain(budget, 0, 0, 10)).toBe(10);
    expect(budget.tryAcquire(999, 0, 10)).toBe(false);
    expect(drain(budget, 1_000, 0, 10)).toBe(10);
  });

  it("rejects a window that is not a positive number", () => {
    expect(() => new RetryBudget(0)).toThrow(RangeError);
    expect(() => new RetryBudget(Number.NaN)).toThrow(RangeError);
  });
});
