/**
 * End to end under load: 2,000 GETs at concurrency 20 through Edgeway to three real
 * origins on 127.0.0.1; one origin is killed (connects refused) mid-run and restarted
 * later. Probes run every second from the Durable Object's alarm loop; outlier detection
 * runs on the live traffic. Asserted: no client sees an error, the dead origin is ejected
 * and then gets no tries, and it takes traffic again after it restarts. The figures the
 * run measured are printed (prefixed "[resilience]") for docs/health.md.
 */
import { describe, inject, it } from "vitest";
import { admin, proxied, useConfig } from "../worker/helpers.ts";
import { parsePrometheus, sumMetric } from "../../scripts/lib/prometheus.ts";
import type { MetricSample } from "../../scripts/lib/prometheus.ts";

const TOTAL = 2_000;
const CONCURRENCY = 20;
const KILL_AT = 400;
const RESTART_AT = 1_200;
/** Each of the 20 clients pauses this long between requests. */
const PACE_MS = 50;
/** After the run, how long to keep a trickle going for the restarted origin to return. */
const RECOVERY_WAIT_MS = 20_000;

interface Sample {
  readonly at: number;
  readonly status: number;
  readonly origin: string;
  readonly tries: number;
}

async function control(path: string): Promise<void> {
  const res = await fetch(`${inject("control")}${path}`, { method: "POST" });
  await res.text();
  if (res.status !== 200) throw new Error(`control ${path}: ${res.status}`);
}

async function one(): Promise<Sample> {
  const res = await proxied("/chaos");
  await res.arrayBuffer();
  return {
    at: Date.now(),
    status: res.status,
    origin: res.headers.get("x-edgeway-origin") ?? "none",
    tries: Number(res.headers.get("x-edgeway-tries") ?? "1"),
  };
}

async function metrics(): Promise<readonly MetricSample[]> {
  return parsePrometheus(await (await admin("/metrics")).text()).samples;
}

describe("resilience under load", () => {
  it("an origin killed mid-run: no client errors, ejected within seconds, back after restart", async ({ expect }) => {
    const all = inject("origins");
    const ids = ["o16", "o17", "o18"] as const;
    await useConfig({
      origins: ids.map((id) => ({ id, url: all[id] })),
      monitors: [{ id: "fast", path: "/healthz", intervalSeconds: 1, timeoutMs: 500, unhealthyThreshold: 2, healthyThreshold: 2 }],
      pools: [{ id: "trio", origins: [...ids], steering: "round_robin", monitor: "fast" }],
      routes: [{ id: "chaos", pools: ["trio"], retries: { attempts: 2, perTryTimeoutMs: 2_000 } }],
    });
    // Warm up: every origin serves.
    const warm = await Promise.all(Array.from({ length: 30 }, one));
    expect(new Set(warm.map((s) => s.origin))).toEqual(new Set(ids));

    const samples: Sample[] = [];
    let next = 0;
    let killedAt = 0;
    let restartedAt = 0;
    const worker = async (): Promise<void> => {
      while (next < TOTAL) {
        const n = next++;
        if (n === KILL_AT) {
          killedAt = Date.now();
          await control("/kill?id=o17");
        }
        if (n === RESTART_AT) {
          restartedAt = Date.now();
          await control("/restart?id=o17");
        }
        samples.push(await one());
        // Paced, so the run spans several probe intervals (a few seconds in all).
        await new Promise((resolve) => setTimeout(resolve, PACE_MS));
      }
    };
    try {
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      // A bounded trickle until the restarted origin serves again.
      const deadline = Date.now() + RECOVERY_WAIT_MS;
      while (!samples.some((s) => s.origin === "o17" && s.at > restartedAt) && Date.now() < deadline) {
        samples.push(...(await Promise.all(Array.from({ length: 5 }, one))));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await control("/restart?id=o17");
    }

    const errors = samples.filter((s) => s.status !== 200);
    const scraped = await metrics();
    const failedTries = sumMetric(scraped, "edgeway_origin_tries_total", { route: "chaos", origin: "o17", outcome: "connect-failure" });
    const timeouts = sumMetric(scraped, "edgeway_origin_tries_total", { route: "chaos", origin: "o17", outcome: "timeout" });
    const health = (await (await admin("/health")).json()) as { origins: Record<string, { ejections?: { at: number }[] }> };
    const ejectedAt = (health.origins.o17?.ejections ?? [])
      .map((e) => e.at)
      .filter((at) => at >= killedAt)
      .sort((a, b) => a - b)[0];
    const back = samples.find((s) => s.origin === "o17" && s.at > restartedAt);
    const servedWhileDead = samples.filter((s) => s.origin === "o17" && s.at > killedAt + 50 && s.at < restartedAt).length;
    const retriedAfterKill = samples.filter((s) => s.at >= killedAt && s.at < restartedAt && s.tries > 1).length;

    console.log(
      `[resilience] ${samples.length} GETs at concurrency ${CONCURRENCY}: client errors ${errors.length}; ` +
        `failed tries on the dead origin ${failedTries + timeouts} (requests retried after the kill ${retriedAfterKill}); ` +
        `ejected ${ejectedAt === undefined ? "never" : `${ejectedAt - killedAt} ms`} after the kill; ` +
        `traffic back ${back === undefined ? "never" : `${back.at - restartedAt} ms`} after the restart (dead for ${restartedAt - killedAt} ms)`,
    );

    expect(errors.map((s) => s.status)).toEqual([]);
    expect(servedWhileDead).toBe(0);
    // The dead origin is ejected, so it costs only the tries in flight when it died and the
    // few that tripped the detector (3 consecutive gateway failures), not one per request.
    expect(ejectedAt).toBeDefined();
    expect(failedTries + timeouts).toBeLessThan(CONCURRENCY + 3);
    expect(failedTries + timeouts).toBeGreaterThan(0);
    expect(back).toBeDefined();
  }, 90_000);
});
