/**
 * The config CLI's `rollout` command (scripts/lib/cli/rollout.ts): its flags become the
 * POST /_edgeway/rollouts body (only what was given: the worker fills in the defaults and
 * names a bad field), durations read as a person writes them, usage errors exit 2 before
 * anything is sent, and the status table and one rollout in full print what the API says.
 */
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseDuration, startBody } from "../../scripts/lib/cli/rollout.ts";
import { formatRollout, formatRolloutTable } from "../../scripts/lib/cli/rollout-report.ts";
import type { RolloutAnswer } from "../../scripts/lib/cli/rollout-report.ts";
import { paint } from "../../scripts/lib/table.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CLI = join(ROOT, "scripts", "config-cli.ts");
const TIMEOUT = 30_000;
const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ADMIN_TOKEN: "t", NO_COLOR: "1" },
    encoding: "utf8",
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const rollout = (parts: Partial<RolloutAnswer> = {}): RolloutAnswer => ({
  id: "ro-1a2b3c4d",
  route: "api",
  to: "api-v2",
  state: "progressing",
  weight: 25,
  step: 1,
  steps: [5, 25, 50, 100],
  intervalSeconds: 60,
  reason: null,
  createdAt: NOW - 120_000,
  nextVerdictAt: NOW + 30_000,
  promotedVersion: null,
  abTest: null,
  history: [
    {
      at: NOW - 60_000,
      step: 0,
      weight: 5,
      verdict: "pass",
      decision: "advance",
      figures: {
        targetRequests: 812,
        stableRequests: 15_402,
        targetErrorRate: 0.0012,
        stableErrorRate: 0.001,
        targetLatencyMs: 41.5,
        stableLatencyMs: 40.2,
        failed: null,
      },
    },
  ],
  ...parts,
});

describe("rollout start's body", () => {
  it("carries only the flags given", () => {
    expect(startBody("api", { to: "api-v2" })).toEqual({ route: "api", to: "api-v2" });
    expect(
      startBody("api", {
        to: "api-v2",
        steps: "10, 50,100",
        interval: "2m",
        "max-error-rate": "0.02",
        "min-requests": "100",
        "ab-header": "x-canary=yes",
        "ab-intervals": "2",
        "pre-step-webhook": "https://hooks.example.com/pre",
        "webhook-timeout": "3s",
      }),
    ).toEqual({
      route: "api",
      to: "api-v2",
      steps: [10, 50, 100],
      intervalSeconds: 120,
      analysis: { maxErrorRate: 0.02, minRequests: 100 },
      abTest: { header: { name: "x-canary", value: "yes" }, intervals: 2 },
      webhooks: { preStep: "https://hooks.example.com/pre", timeoutMs: 3_000 },
    });
  });

  it("refuses what cannot be a body", () => {
    expect(() => startBody("api", {})).toThrow(/--to POOL/);
    expect(() => startBody("api", { to: "p", steps: "5,x" })).toThrow(/--steps/);
    expect(() => startBody("api", { to: "p", "ab-header": "novalue" })).toThrow(/NAME=VALUE/);
    expect(() => startBody("api", { to: "p", "ab-header": "a=1", "ab-cookie": "b=2" })).toThrow(/not both/);
    expect(() => startBody("api", { to: "p", "max-error-rate": "lots" })).toThrow(/number/);
  });

  it("reads durations as a person writes them", () => {
    expect(parseDuration("60", "--interval")).toBe(60);
    expect(parseDuration("45s", "--interval")).toBe(45);
    expect(parseDuration("2m", "--interval")).toBe(120);
    expect(parseDuration("1m30s", "--interval")).toBe(90);
    expect(() => parseDuration("soon", "--interval")).toThrow(/duration/);
    expect(() => parseDuration("", "--interval")).toThrow(/duration/);
  });
});

describe("rollout status output", () => {
  it("a table of rollouts: state, weight, the steps with the current one marked, the last verdict and why", () => {
    const text = formatRolloutTable(
      [
        rollout(),
        rollout({ id: "ro-99", route: "web", state: "rolled_back", weight: 0, step: 0, reason: "FRA: error rate 0.052 > 0.010" }),
      ],
      paint(false),
      NOW,
    );
    const [header, first, second] = text.split("\n");
    expect(header).toMatch(/^ID\s+ROUTE\s+TARGET\s+STATE\s+WEIGHT\s+STEPS\s+LAST VERDICT\s+WHY$/);
    expect(first).toMatch(/ro-1a2b3c4d\s+api\s+api-v2\s+progressing\s+25%\s+5% → \[25%\] → 50% → 100%\s+pass → advance 1 min ago/);
    expect(second).toMatch(/ro-99.*rolled_back\s+0%\s+5% → 25% → 50% → 100%.*FRA: error rate 0.052 > 0.010$/);
    expect(formatRolloutTable([], paint(false), NOW)).toMatch(/no rollouts/);
  });

  it("one rollout in full, each interval's figures and the colo that failed it", () => {
    const failed = rollout({
      state: "rolled_back",
      weight: 0,
      nextVerdictAt: null,
      reason: "SIN: error rate 0.100 > 0.010",
      history: [
        ...rollout().history,
        {
          at: NOW - 5_000,
          step: 1,
          weight: 25,
          verdict: "fail",
          decision: "rollback",
          colo: "SIN",
          figures: {
            targetRequests: 300,
            stableRequests: 900,
            targetErrorRate: 0.1,
            stableErrorRate: 0.001,
            targetLatencyMs: null,
            stableLatencyMs: null,
            failed: "error rate 0.100 > 0.010",
          },
        },
      ],
    });
    const text = formatRollout(failed, paint(false), NOW);
    expect(text).toContain("rollout ro-1a2b3c4d: route api → pool api-v2, rolled_back, 0% to api-v2");
    expect(text).toContain("why: SIN: error rate 0.100 > 0.010");
    const lines = text.split("\n");
    const newest = lines.findIndex((l) => l.includes("fail → rollback"));
    const older = lines.findIndex((l) => l.includes("pass → advance"));
    expect(newest).toBeGreaterThan(0);
    expect(older).toBeGreaterThan(newest);
    expect(lines[newest]).toMatch(/300 req 10\.0% -\s+900 req 0\.10% -\s+SIN: error rate 0\.100 > 0\.010/);
    expect(lines[older]).toMatch(/812 req 0\.12% 42ms\s+15402 req 0\.10% 40ms/);
  });
});

describe("rollout usage", () => {
  it("exits 2 on an unknown action, a missing ROUTE or ID, or start without --to", { timeout: TIMEOUT }, () => {
    expect(cli("rollout", "launch", "api").code).toBe(2);
    expect(cli("rollout", "abort").stderr).toMatch(/needs ID/);
    const start = cli("rollout", "start", "api", "--url", "http://127.0.0.1:9");
    expect(start.code).toBe(2);
    expect(start.stderr).toMatch(/--to POOL/);
    expect(cli("--help").stdout).toMatch(/rollout start\|status\|promote\|pause\|resume\|abort/);
  });
});
