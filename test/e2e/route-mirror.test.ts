/**
 * End to end: RequestMirror on workerd against real origins on 127.0.0.1 — f4 serves the
 * route (pool blue), f5 is the mirror pool (shadow) and keeps what it received at
 * /__origin/received. A copy carries what the origin got (rewritten path, edited headers,
 * the request's id, a new span) and x-edgeway-mirror; a body only when buffered; a copy
 * that fails or hangs never fails or slows the client; every copy is counted.
 */
import { describe, inject, it } from "vitest";
import { parsePrometheus, sumMetric } from "../../scripts/lib/prometheus.ts";
import { admin, proxied, setOriginMode, useConfig } from "../worker/helpers.ts";
import type { Echo } from "./route-filters-helpers.ts";
import { echoOf, filterConfig } from "./route-filters-helpers.ts";

function urls(): { f4: string; f5: string } {
  const all = inject("origins");
  return { f4: all.f4 ?? "", f5: all.f5 ?? "" };
}

function config(routes: unknown[]): unknown {
  return filterConfig(urls(), { blue: "f4", shadow: "f5" }, routes);
}

/** A request id no other request of the run carries. */
function uniqueId(label: string): string {
  return `${label}-${crypto.randomUUID()}`;
}

/** What the mirror pool's origin received with this request id, waited for (a copy is sent in the background). */
async function mirrored(requestId: string, timeoutMs = 5_000): Promise<Echo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${urls().f5}/__origin/received`);
    const hit = ((await res.json()) as Echo[]).find((e) => e.headers["x-request-id"] === requestId);
    if (hit !== undefined) return hit;
    if (Date.now() > deadline) throw new Error(`no copy of ${requestId} reached f5 in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** edgeway_mirror_requests_total of route "mirrored" to pool shadow, for `outcome`, now. */
async function mirrorCount(outcome: string): Promise<number> {
  const res = await admin("/metrics");
  return sumMetric(parsePrometheus(await res.text()).samples, "edgeway_mirror_requests_total", {
    route: "mirrored",
    pool: "shadow",
    outcome,
  });
}

/** Waits (at most 5 s) for the counter to reach `atLeast`, and returns it: a copy is counted once its answer is in. */
async function mirrorCountReaches(outcome: string, atLeast: number): Promise<number> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const n = await mirrorCount(outcome);
    if (n >= atLeast || Date.now() > deadline) return n;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("RequestMirror", () => {
  const route = (extra: Record<string, unknown> = {}) => ({
    id: "mirrored",
    match: { pathPrefix: "/mirror" },
    pools: ["blue"],
    retries: { maxBodyBytes: 1_024, perTryTimeoutMs: 1_000 },
    filters: [
      { type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/m" } } },
      { type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "X-Env", value: "edge" }] } },
      { type: "RequestMirror", requestMirror: { pool: "shadow" } },
    ],
    ...extra,
  });

  it("copies the request as the origin got it, with the same id, a new span and x-edgeway-mirror", async ({ expect }) => {
    await useConfig(config([route()]));
    const sent = await mirrorCount("sent");
    const id = uniqueId("mirror-get");
    const { echo } = await echoOf("/mirror/a?x=1", { headers: { "x-request-id": id } });
    expect(echo.origin).toBe("f4");
    expect(echo.path).toBe("/m/a");
    const copy = await mirrored(id);
    expect(copy.origin).toBe("f5");
    expect(copy.method).toBe("GET");
    expect(copy.path).toBe("/m/a");
    expect(copy.query).toBe("?x=1");
    expect(copy.headers["x-edgeway-mirror"]).toBe("mirrored");
    expect(copy.headers["x-env"]).toBe("edge");
    expect(copy.headers["x-forwarded-host"]).toBe("app.test");
    // The same trace, another span.
    const [, traceId, span] = (echo.headers.traceparent ?? "").split("-");
    const [, copyTraceId, copySpan] = (copy.headers.traceparent ?? "").split("-");
    expect(copyTraceId).toBe(traceId);
    expect(copySpan).not.toBe(span);
    // The client's request never carries the mirror's mark.
    expect(echo.headers["x-edgeway-mirror"]).toBeUndefined();
    expect(await mirrorCountReaches("sent", sent + 1)).toBe(sent + 1);
  });

  it("mirrors a buffered body; skips and counts one over the replay limit", async ({ expect }) => {
    await useConfig(config([route()]));
    const id = uniqueId("mirror-post");
    const { echo } = await echoOf("/mirror/orders", { method: "POST", body: "order=1", headers: { "x-request-id": id } });
    expect(echo.body).toBe("order=1");
    expect((await mirrored(id)).body).toBe("order=1");

    const skipped = await mirrorCount("skipped_body");
    const big = "x".repeat(2_000);
    const large = await echoOf("/mirror/orders", { method: "POST", body: big, headers: { "x-request-id": uniqueId("mirror-big") } });
    expect(large.echo.bodyLength).toBe(big.length);
    expect(await mirrorCount("skipped_body")).toBe(skipped + 1);
  });

  it("a failing or hanging mirror neither fails nor slows the client; its failures are counted", async ({ expect }) => {
    await useConfig(config([route()]));
    const failed = await mirrorCount("failed");
    await setOriginMode(urls().f5, "fail");
    try {
      const { echo } = await echoOf("/mirror/x");
      expect(echo.origin).toBe("f4");
      expect(await mirrorCountReaches("failed", failed + 1)).toBe(failed + 1);

      await setOriginMode(urls().f5, "hang");
      const started = Date.now();
      const hung = await echoOf("/mirror/y");
      expect(hung.echo.origin).toBe("f4");
      // The copy waits out its 1 s timeout in the background; the client does not.
      expect(Date.now() - started).toBeLessThan(800);
      expect(await mirrorCountReaches("failed", failed + 2)).toBe(failed + 2);
    } finally {
      await setOriginMode(urls().f5, "ok");
    }
  });

  it("copies about `percent` of requests", async ({ expect }) => {
    await useConfig(config([route({ filters: [{ type: "RequestMirror", requestMirror: { pool: "shadow", percent: 50 } }] })]));
    const sent = await mirrorCount("sent");
    const n = 60;
    for (let i = 0; i < n; i++) await (await proxied("/mirror/p")).arrayBuffer();
    // Every copy is counted once its answer is in: wait for the count to settle.
    let copies = await mirrorCount("sent");
    for (let settled = 0; settled < 8; settled++) {
      await new Promise((r) => setTimeout(r, 50));
      const now = await mirrorCount("sent");
      if (now === copies) continue;
      copies = now;
      settled = 0;
    }
    // Binomial(60, 0.5): 12 or fewer, or 48 or more, has a chance under 1 in 10^5.
    expect(copies - sent).toBeGreaterThan(12);
    expect(copies - sent).toBeLessThan(48);
  });
});
