/**
 * Staged config changes end to end, on workerd with real origins (ro3 behind the version in
 * force, ro4 behind a good candidate, a closed port behind a bad one): a candidate in force
 * only in its first colo (requests whose debug geo header names it see the new version, the
 * others the old), a bad candidate rolled back by itself, a good one promoted (the `config`
 * pointer moves to it and history says so), an abort, a restart of the Durable Object
 * mid-stage, and the refusals while one is in flight. The colos' traffic reports and the object's alarm are delivered at once, as the
 * rollout tests do (rollout-helpers.ts).
 */
import { env, evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, inject, it } from "vitest";
import { admin, proxied, putConfig, useConfig } from "../worker/helpers.ts";
import { deliverReport, objectStub, post } from "./rollout-helpers.ts";
import { isolate, reportConfigProblem } from "../../src/isolate.ts";

interface StagedBody {
  readonly version: number;
  readonly from: number;
  readonly state: string;
  readonly stage: number;
  readonly stages: number[];
  readonly colos: string[];
  readonly share: number;
  readonly reason: string | null;
  readonly nextVerdictAt: number | null;
  readonly history: {
    verdict: string;
    decision: string;
    stage: number;
    colo?: string;
    figures: { failed: string | null; targetRequests: number } | null;
  }[];
}

/** Nothing listens here: every connect is refused, as a dead pool's would be. */
const DEAD = "http://127.0.0.1:9";

/** Route "web" (/web) to one pool of one origin; outlier detection off, so every request tries it. */
function document(originId: string, url: string): unknown {
  return {
    origins: [{ id: originId, url }],
    pools: [{ id: "p", origins: [originId], outlierDetection: { enabled: false } }],
    routes: [{ id: "web", match: { pathPrefix: "/web" }, pools: ["p"], retries: { attempts: 2 } }],
  };
}

function stagedPut(doc: unknown, query: string): Promise<Response> {
  return admin(`/config?staged=true&${query}`, {
    method: "PUT",
    body: JSON.stringify(doc),
    headers: { "content-type": "application/json", "x-edgeway-reason": "new origin" },
  });
}

async function stage(doc: unknown, query: string): Promise<StagedBody> {
  const res = await stagedPut(doc, query);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`staged push refused (${res.status}): ${text}`);
  return JSON.parse(text) as StagedBody;
}

async function status(): Promise<StagedBody> {
  return (await (await admin("/config/staged")).json()) as StagedBody;
}

/** Sends `n` requests to /web from `colo`; the origin that answered each and its status. */
async function from(colo: string, n: number): Promise<{ origin: string; status: number }[]> {
  const out: { origin: string; status: number }[] = [];
  for (let i = 0; i < n; i++) {
    const res = await proxied("/web", { headers: { "x-edgeway-debug-geo": `colo=${colo}` } });
    await res.arrayBuffer();
    out.push({ origin: res.headers.get("x-edgeway-origin") ?? "none", status: res.status });
  }
  return out;
}

const origins = (rs: { origin: string }[]): string[] => [...new Set(rs.map((r) => r.origin))];

/** This isolate reads its config now (others would with their next refresh). */
async function refreshConfig(): Promise<void> {
  await isolate.config.refresh(env.CONFIG, Date.now(), reportConfigProblem);
}

/** Waits for the interval's end, then runs the object's alarm, which judges it; this isolate then reads its config. */
async function judge(): Promise<StagedBody> {
  const due = (await status()).nextVerdictAt ?? Date.now();
  if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now() + 20));
  await runDurableObjectAlarm(objectStub());
  await refreshConfig();
  return status();
}

/** Latency is left out (origins on 127.0.0.1 answer in about a millisecond, where a pause is noise). */
const QUICK = "intervalSeconds=5&minRequests=20&maxLatencyRatio=100";

describe("staged config changes", () => {
  afterEach(async () => {
    const s = await admin("/config/staged");
    if (s.status === 200 && ["progressing", "paused"].includes(((await s.json()) as StagedBody).state)) await post("/config/staged/abort");
  });

  it("puts the candidate in force in the first colo only; the pointer stays; a second push is refused; abort", async ({ expect }) => {
    const all = inject("origins");
    const old = await useConfig(document("ro3", all.ro3 ?? ""));
    const staged = await stage(document("ro4", all.ro4 ?? ""), `colos=FRA&stages=1,100&${QUICK}`);
    expect(staged).toMatchObject({ from: old, state: "progressing", stage: 0, stages: [1, 100], share: 0 });
    expect(staged.version).toBeGreaterThan(old);
    expect(staged.colos).toEqual(["FRA"]);

    expect(origins(await from("FRA", 10))).toEqual(["ro4"]);
    expect(origins(await from("SIN", 10))).toEqual(["ro3"]);
    expect(origins(await from("LHR", 10))).toEqual(["ro3"]);

    // The pointer has not moved; the candidate is in history with its reason.
    const current = await admin("/config");
    expect(current.headers.get("x-edgeway-config-version")).toBe(String(old));
    const history = (await (await admin("/config/history")).json()) as { current: number; versions: { version: number; reason: string }[] };
    expect(history.current).toBe(old);
    expect(history.versions.find((v) => v.version === staged.version)?.reason).toBe("staged: new origin");

    // One staged change at a time; no plain push or rollback while it is in flight.
    const second = await stagedPut(document("ro4", all.ro4 ?? ""), "colos=SIN");
    expect(second.status).toBe(409);
    expect(await second.text()).toMatch(new RegExp(`version ${staged.version}`));
    const plain = await putConfig(document("ro3", all.ro3 ?? ""));
    expect(plain.status).toBe(409);
    expect(((await plain.json()) as { error: string }).error).toMatch(/promote or abort it first/);
    expect((await post("/config/rollback", { version: old })).status).toBe(409);

    const aborted = await post("/config/staged/abort");
    expect(aborted.status).toBe(200);
    expect(await aborted.json()).toMatchObject({ version: staged.version, state: "aborted" });
    await refreshConfig();
    expect(origins(await from("FRA", 10))).toEqual(["ro3"]);
    const again = await post("/config/staged/promote");
    expect(again.status).toBe(409);
    // A plain push is taken again.
    expect((await putConfig(document("ro3", all.ro3 ?? ""))).status).toBe(200);
  });

  it("a candidate that sends its colo's traffic to a dead pool is rolled back by itself, naming the colo", async ({ expect }) => {
    const all = inject("origins");
    const old = await useConfig(document("ro3", all.ro3 ?? ""));
    const staged = await stage(document("dead", DEAD), `colos=FRA&stages=1,50,100&${QUICK}`);
    const fra = await from("FRA", 30);
    expect(fra.every((r) => r.status >= 500)).toBe(true);
    expect((await from("SIN", 40)).every((r) => r.origin === "ro3" && r.status === 200)).toBe(true);
    await deliverReport(["FRA", "SIN"]);

    const after = await judge();
    expect(after).toMatchObject({ version: staged.version, state: "rolled_back", stage: 0 });
    const last = after.history.at(-1);
    expect(last).toMatchObject({ verdict: "fail", decision: "rollback", colo: "FRA" });
    expect(last?.figures?.failed).toMatch(/error rate/);
    expect(after.reason).toMatch(/^FRA: error rate/);

    // Every colo serves the version in force again; it never moved.
    expect(origins(await from("FRA", 10))).toEqual(["ro3"]);
    expect((await admin("/config")).headers.get("x-edgeway-config-version")).toBe(String(old));
    const history = (await (await admin("/config/history")).json()) as { versions: { version: number; reason: string }[] };
    expect(history.versions.find((v) => v.version === staged.version)?.reason).toMatch(/^staged change \d+ rolled back \(FRA: error rate/);
  });

  it("a good candidate goes stage by stage to every colo and is promoted: the pointer moves, history says so", async ({ expect }) => {
    const all = inject("origins");
    await useConfig(document("ro3", all.ro3 ?? ""));
    const staged = await stage(document("ro4", all.ro4 ?? ""), `colos=FRA&stages=1,100&${QUICK}`);
    await from("FRA", 30);
    await from("SIN", 30);
    await deliverReport(["FRA", "SIN"]);
    const second = await judge();
    expect(second).toMatchObject({ state: "progressing", stage: 1, share: 100 });
    expect(second.history.at(-1)).toMatchObject({ verdict: "pass", decision: "advance", stage: 0 });
    // The last stage: every colo on the candidate, the pointer not moved yet.
    expect(origins(await from("SIN", 30))).toEqual(["ro4"]);
    await from("FRA", 30);
    await deliverReport(["FRA", "SIN"]);

    const done = await judge();
    expect(done).toMatchObject({ state: "promoted" });
    expect(done.history.at(-1)).toMatchObject({ verdict: "pass", decision: "promote", stage: 1 });
    expect((await admin("/config")).headers.get("x-edgeway-config-version")).toBe(String(staged.version));
    const history = (await (await admin("/config/history")).json()) as { current: number; versions: { version: number; reason: string }[] };
    expect(history.current).toBe(staged.version);
    expect(history.versions.find((v) => v.version === staged.version)?.reason).toBe(
      `staged change ${staged.version} promoted: staged: new origin`,
    );
    expect(origins(await from("LHR", 10))).toEqual(["ro4"]);
    // An ended change takes no command; a plain push is taken again.
    expect((await post("/config/staged/abort")).status).toBe(409);
    expect((await putConfig(document("ro4", all.ro4 ?? ""))).status).toBe(200);
  });

  it("survives a restart of the Durable Object mid-stage: the change and its interval's counts are kept", async ({ expect }) => {
    const all = inject("origins");
    await useConfig(document("ro3", all.ro3 ?? ""));
    const staged = await stage(document("ro4", all.ro4 ?? ""), `colos=FRA&stages=1,100&${QUICK}`);
    await from("FRA", 30);
    await from("SIN", 30);
    await deliverReport(["FRA", "SIN"]);
    await evictDurableObject(objectStub());
    const kept = await status();
    expect(kept).toMatchObject({ version: staged.version, state: "progressing", stage: 0 });
    const next = await judge();
    expect(next).toMatchObject({ state: "progressing", stage: 1 });
    // The counts delivered before the restart were judged.
    expect(next.history.at(-1)?.figures).toMatchObject({ targetRequests: 30 });
  });

  it("refuses bad stages and queries by name", async ({ expect }) => {
    const all = inject("origins");
    await useConfig(document("ro3", all.ro3 ?? ""));
    const bad = await stagedPut(document("ro4", all.ro4 ?? ""), "stages=1,50,40");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/stages/);
    const notEnding = await stagedPut(document("ro4", all.ro4 ?? ""), "stages=1,50");
    expect(await notEnding.text()).toMatch(/stages: must end at 100/);
    const interval = await stagedPut(document("ro4", all.ro4 ?? ""), "intervalSeconds=1");
    expect(interval.status).toBe(400);
    expect(await interval.text()).toMatch(/intervalSeconds/);
    const colo = await stagedPut(document("ro4", all.ro4 ?? ""), "colos=F;RA");
    expect(await colo.text()).toMatch(/colos/);
  });
});
