/**
 * GET /_edgeway/status inside workerd: the HTML names every pool and origin with the
 * health GET /_edgeway/health reports, draws probe charts once probes ran, shows admin
 * overrides with their reason and the effective weight beside the configured one, and
 * sits behind the admin token (Bearer or Basic). The HTML is read with HTMLRewriter, not
 * searched as text. Uses o1–o2 read-only (probes only: their modes never change and no
 * request is proxied to them, so the balancing test's counts are untouched).
 */
import { exports } from "cloudflare:workers";
import { describe, inject, it } from "vitest";
import { ADMIN_TOKEN, admin, probeRound, useConfig } from "./helpers.ts";

interface Row {
  pool: string;
  origin: string;
  health: string;
  state: string;
  weight: string;
  configuredWeight: string;
}

interface Page {
  html: string;
  rows: Row[];
  /** `d` of each origin's latency line. */
  latency: Map<string, string>;
  refresh: string | undefined;
}

async function read(res: Response): Promise<Page> {
  const html = await res.text();
  const rows: Row[] = [];
  const latency = new Map<string, string>();
  let refresh: string | undefined;
  let current = "";
  await new HTMLRewriter()
    .on("tr[data-origin]", {
      element(e) {
        current = e.getAttribute("data-origin") ?? "";
        rows.push({
          pool: e.getAttribute("data-pool") ?? "",
          origin: current,
          health: e.getAttribute("data-health") ?? "",
          state: e.getAttribute("data-state") ?? "",
          weight: e.getAttribute("data-weight") ?? "",
          configuredWeight: e.getAttribute("data-configured-weight") ?? "",
        });
      },
    })
    .on("svg.latency path.line", {
      element(e) {
        latency.set(current, e.getAttribute("d") ?? "");
      },
    })
    .on('meta[http-equiv="refresh"]', {
      element(e) {
        refresh = e.getAttribute("content") ?? undefined;
      },
    })
    .transform(new Response(html))
    .text();
  return { html, rows, latency, refresh };
}

async function status(query = ""): Promise<Page> {
  const res = await admin(`/status${query}`);
  if (res.status !== 200) throw new Error(`GET /status${query}: ${res.status} ${await res.text()}`);
  return read(res);
}

function config(o1: string, o2: string): unknown {
  return {
    origins: [
      { id: "o1", url: o1, weight: 3 },
      { id: "o2", url: o2, weight: 1 },
    ],
    monitors: [{ id: "http", path: "/healthz", timeoutMs: 1000 }],
    pools: [
      { id: "main", origins: ["o1", "o2"], monitor: "http" },
      { id: "spare", origins: ["o2"] },
    ],
    routes: [{ id: "all", pools: ["main", "spare"] }],
  };
}

describe("GET /_edgeway/status", () => {
  it("is 401 without a token, with a Basic challenge for a browser", async ({ expect }) => {
    const res = await exports.default.fetch("http://edgeway.test/_edgeway/status", { headers: { accept: "text/html" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Basic/);
    await res.arrayBuffer();
  });

  it("says so when no config was ever stored", async ({ expect }) => {
    const page = await status();
    expect(page.rows).toEqual([]);
    expect(page.html).toContain("no config stored");
  });

  it("lists every pool and origin with the health GET /_edgeway/health reports, and charts probe latency", async ({ expect }) => {
    const origins = inject("origins");
    const version = await useConfig(config(origins.o1 ?? "", origins.o2 ?? ""));
    await probeRound();
    await probeRound();
    const res = await admin("/status");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const page = await read(res);
    expect(page.html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(page.html).toContain(`config <b>v${version}</b>`);
    expect(page.rows.map((r) => `${r.pool}/${r.origin}`)).toEqual(["main/o1", "main/o2", "spare/o2"]);

    const health = (await (await admin("/health")).json()) as { origins: Record<string, { healthy: boolean; history: unknown[] }> };
    for (const row of page.rows) expect(row.health).toBe(health.origins[row.origin]?.healthy === false ? "unhealthy" : "healthy");
    for (const id of ["o1", "o2"]) {
      expect(health.origins[id]?.history.length).toBeGreaterThanOrEqual(2);
      expect(page.latency.get(id)).toMatch(/^M[\d.]+ [\d.]+L/);
    }
    // Auto-refresh by default; `?refresh=0` turns it off.
    expect(page.refresh).toBe("10");
    expect((await status("?refresh=0")).refresh).toBeUndefined();
  });

  it("shows overrides with who and why, and the effective weight beside the configured one", async ({ expect }) => {
    const origins = inject("origins");
    await useConfig(config(origins.o1 ?? "", origins.o2 ?? ""));
    const post = (path: string, body: unknown) =>
      admin(path, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json", "x-edgeway-actor": "status-test" },
      });
    expect((await post("/origins/o1/drain", { reason: "kernel upgrade" })).status).toBe(200);
    expect((await post("/origins/o2/health", { state: "unhealthy", reason: "disk replacement" })).status).toBe(200);
    try {
      const page = await status();
      const o1 = page.rows.find((r) => r.origin === "o1");
      const o2 = page.rows.filter((r) => r.origin === "o2");
      expect(o1).toMatchObject({ state: "drained", health: "healthy", weight: "0", configuredWeight: "3" });
      expect(o2.map((r) => r.health)).toEqual(["unhealthy", "unhealthy"]);
      expect(page.html).toContain("kernel upgrade");
      expect(page.html).toContain("disk replacement");
      expect(page.html).toContain("status-test");
    } finally {
      await admin("/origins/o1/overrides", { method: "DELETE" });
      await admin("/origins/o2/overrides", { method: "DELETE" });
    }
    const after = await status();
    expect(after.rows.find((r) => r.origin === "o1")).toMatchObject({ state: "healthy", weight: "3", configuredWeight: "3" });
    expect(after.html).not.toContain("kernel upgrade");
  });

  it("accepts HTTP Basic with the token as the password, as a browser sends it", async ({ expect }) => {
    const res = await exports.default.fetch("http://edgeway.test/_edgeway/status", {
      headers: { authorization: `Basic ${btoa(`ops:${ADMIN_TOKEN}`)}` },
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  });

  it("is declared in the OpenAPI document as an HTML page with its refresh parameter", async ({ expect }) => {
    const doc = (await (await admin("/openapi.json")).json()) as {
      paths: Record<
        string,
        { get?: { parameters?: { name: string; in: string }[]; responses: Record<string, { content?: Record<string, unknown> }> } }
      >;
    };
    const get = doc.paths["/status"]?.get;
    expect(Object.keys(get?.responses["200"]?.content ?? {})).toEqual(["text/html"]);
    expect(get?.parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(["query:refresh"]);
  });

  it("rejects a bad refresh with a 400 naming it", async ({ expect }) => {
    for (const bad of ["abc", "-1", "99999"]) {
      const res = await admin(`/status?refresh=${bad}`);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { code: string; error: string };
      expect(body.code).toBe("invalid_request");
      expect(body.error).toContain("refresh");
    }
  });
});
