/**
 * The status page in a real browser: starts the demo (scripts/demo.ts: four origins,
 * `wrangler dev`, examples/multi-cloud.json) on its own port and state directory, makes
 * aws-usw2 fail, sends traffic, then opens /_edgeway/status in Debian's headless Chromium
 * (playwright-core) logging in with HTTP Basic as a browser does. Checks every pool and
 * origin of the example, health as GET /_edgeway/health reports it, the charts, the
 * failing origin shown unhealthy, and the narrow-screen layout; writes
 * docs/status-page.png for the README.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM = "/usr/bin/chromium";
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SCREENSHOT = join(ROOT, "docs", "status-page.png");
/** Not the demo's 8787, so a demo or `wrangler dev` left running elsewhere does not answer instead. */
const PORT = 8797;
const BASE = `http://127.0.0.1:${PORT}`;
const TOKEN = "browser-test-token";
const AUTH = { authorization: `Bearer ${TOKEN}` };

interface Example {
  origins: { id: string; url: string }[];
  pools: { id: string; origins: string[] }[];
}
const example = JSON.parse(readFileSync(join(ROOT, "examples", "multi-cloud.json"), "utf8")) as Example;
/** The origin the test makes fail: the light half of the "na" pool, so traffic still has somewhere to go. */
const FAILING = "aws-usw2";
const failingUrl = example.origins.find((o) => o.id === FAILING)?.url ?? "";

interface HealthView {
  healthy: boolean;
  history?: unknown[];
  traffic?: { tries: number; failures: number }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function adminJson<T>(path: string): Promise<T> {
  const res = await fetch(`${BASE}/_edgeway${path}`, { headers: AUTH, signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET /_edgeway${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const health = () => adminJson<{ origins: Record<string, HealthView> }>("/health");

/** Polls `check` (bounded in tries and time) until it returns true. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 1_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 1_000; i++) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) break;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** One round of probes now, rather than waiting for the demo's 5 s loop. */
async function probeRound(): Promise<void> {
  await (await fetch(`${BASE}/cdn-cgi/local/scheduled`, { signal: AbortSignal.timeout(20_000) })).arrayBuffer();
}

const hasChromium = existsSync(CHROMIUM);

describe.runIf(!hasChromium && Boolean(process.env["CI"]))("status page in Chromium (CI)", () => {
  it("has Chromium to run in", () => {
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  });
});

if (!hasChromium && !process.env["CI"])
  console.warn(`skipping the status page browser test: ${CHROMIUM} is missing (apt-get install chromium)`);

describe.skipIf(!hasChromium)("status page in Chromium", () => {
  let demo: ChildProcess | undefined;
  let demoExit: Promise<unknown> | undefined;
  const demoOutput: string[] = [];
  let stateDir: string | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let view: Record<string, HealthView>;
  let configVersion: string | null;

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), "edgeway-status-"));
    demo = spawn(process.execPath, [join(ROOT, "scripts", "demo.ts"), "--port", String(PORT), "--persist-to", stateDir], {
      cwd: ROOT,
      env: { ...process.env, ADMIN_TOKEN: TOKEN },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, so afterAll can end wrangler and workerd with it.
      detached: true,
    });
    demoExit = new Promise((r) => demo?.once("exit", r));
    for (const stream of [demo.stdout, demo.stderr]) {
      stream?.setEncoding("utf8").on("data", (chunk: string) => {
        demoOutput.push(chunk);
        if (demoOutput.length > 200) demoOutput.shift();
      });
    }
    const demoLog = () => demoOutput.join("").split("\n").slice(-40).join("\n");
    try {
      // The demo prints "config: … loaded as version N" once the example is stored.
      await until(
        "the demo to load examples/multi-cloud.json",
        async () => {
          if (demo?.exitCode !== null) throw new Error("the demo exited");
          return demoOutput.join("").includes("config: examples/multi-cloud.json loaded");
        },
        150_000,
        500,
      );
      if (demo.exitCode !== null) throw new Error(`the demo exited with ${demo.exitCode}`);

      // aws-usw2 fails: traffic sent now meets it (tries fail, retries hide it), then probes mark it down.
      const mode = await fetch(`${failingUrl}/__origin/mode?set=fail`);
      expect(mode.status).toBe(200);
      await until(
        `${FAILING}'s failed tries to reach the Durable Object`,
        async () => {
          for (let i = 0; i < 20; i++)
            await (await fetch(`${BASE}/status-page-test/${i}`, { signal: AbortSignal.timeout(10_000) })).arrayBuffer();
          const failures = ((await health()).origins[FAILING]?.traffic ?? []).reduce((n, b) => n + b.failures, 0);
          return failures > 0;
        },
        60_000,
        2_000,
      );
      await until(
        `${FAILING} to be marked unhealthy`,
        async () => {
          await probeRound();
          return (await health()).origins[FAILING]?.healthy === false;
        },
        60_000,
        1_000,
      );
      // A few more rounds, so the charts (and the README's screenshot) have some history to draw.
      for (let round = 0; round < 6; round++) {
        await probeRound();
        for (let i = 0; i < 5; i++)
          await (await fetch(`${BASE}/status-page-test/r${round}-${i}`, { signal: AbortSignal.timeout(10_000) })).arrayBuffer();
        await sleep(1_000);
      }
    } catch (error) {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- demo output ---\n${demoLog()}`);
    }

    browser = await chromium.launch({ executablePath: CHROMIUM, timeout: 30_000 });
    // HTTP Basic with the token as the password, as an operator's browser logs in.
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, httpCredentials: { username: "ops", password: TOKEN } });
    page = await context.newPage();
    const res = await page.goto(`${BASE}/_edgeway/status?refresh=0`, { timeout: 30_000 });
    expect(res?.status()).toBe(200);
    expect(res?.headers()["content-type"]).toMatch(/^text\/html/);
    view = (await health()).origins;
    configVersion = (await fetch(`${BASE}/_edgeway/config`, { headers: AUTH })).headers.get("x-edgeway-config-version");
  });

  afterAll(async () => {
    await Promise.race([browser?.close(), sleep(10_000)]);
    if (demo?.pid !== undefined && demo.exitCode === null) {
      // SIGTERM: the demo stops wrangler and its origins; SIGKILL the group if it hangs.
      process.kill(-demo.pid, "SIGTERM");
      if ((await Promise.race([demoExit, sleep(20_000).then(() => "timeout")])) === "timeout") process.kill(-demo.pid, "SIGKILL");
    }
    if (stateDir !== undefined) rmSync(stateDir, { recursive: true, force: true });
  });

  it("lists every origin of the example under each pool that has it", async () => {
    for (const pool of example.pools) {
      const section = page.locator(`section[data-pool="${pool.id}"]`);
      expect(await section.locator("h2").textContent()).toContain(pool.id);
      for (const id of pool.origins) {
        const row = section.locator(`tr[data-origin="${id}"]`);
        expect(await row.count()).toBe(1);
        expect(await row.locator(".id").textContent()).toBe(id);
      }
      expect(await section.locator("tr[data-origin]").count()).toBe(pool.origins.length);
    }
  });

  it("shows each origin's health as GET /_edgeway/health reports it", async () => {
    for (const { id } of example.origins) {
      const expected = view[id]?.healthy === false ? "unhealthy" : "healthy";
      const row = page.locator(`tr[data-origin="${id}"]`).first();
      expect(await row.getAttribute("data-health")).toBe(expected);
      expect(await row.locator(".badge").first().textContent()).toBe(expected);
    }
  });

  it("shows the failing origin unhealthy, in red, with the probe's reason", async () => {
    const selector = `tr[data-origin="${FAILING}"]`;
    const row = page.locator(selector);
    expect(await row.getAttribute("class")).toContain("unhealthy");
    expect(await row.locator(".badge.unhealthy").isVisible()).toBe(true);
    expect(await row.locator(".reason").textContent()).toContain("503");
    // An expression string, not a function: it runs in the page, and this project's types have no DOM.
    const background = String(await page.evaluate(`getComputedStyle(document.querySelector('${selector}')).backgroundColor`));
    const [r = 0, g = 0, b = 0] = (background.match(/\d+/g) ?? []).map(Number);
    expect(r).toBeGreaterThan(g);
    expect(r).toBeGreaterThan(b);
    // Its transition to unhealthy is listed.
    expect(await row.locator(".transitions .to.unhealthy").first().isVisible()).toBe(true);
  });

  it("draws a probe latency chart for an origin with probe history, and the failing origin's error rate", async () => {
    const probed = example.origins.map((o) => o.id).find((id) => id !== FAILING && (view[id]?.history?.length ?? 0) > 0);
    expect(probed).toBeDefined();
    const line = page.locator(`tr[data-origin="${probed}"] svg.latency path.line`);
    expect(await line.getAttribute("d")).toMatch(/^M[\d.]+ [\d.]+(L[\d.]+ [\d.]+)+/);
    expect((await line.boundingBox())?.width ?? 0).toBeGreaterThan(10);
    const errors = page.locator(`tr[data-origin="${FAILING}"] svg.errors path.line`);
    expect(await errors.getAttribute("d")).toMatch(/^M[\d.]+ [\d.]+/);
  });

  it("names the config version in force", async () => {
    expect(configVersion).not.toBeNull();
    expect(await page.locator("header .meta").textContent()).toContain(`config v${configVersion}`);
  });

  it("writes the screenshot for the README", async () => {
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    const png = await page.screenshot({ path: SCREENSHOT, fullPage: true });
    // A PNG, and more than a blank page's worth of pixels.
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(png.length).toBeGreaterThan(20_000);
  });

  it("fits a phone's width: one card per origin, no sideways scrolling", async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    expect(await page.locator("thead").first().isHidden()).toBe(true);
    const overflow = Number(await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"));
    expect(overflow).toBeLessThanOrEqual(1);
    expect(await page.locator(`tr[data-origin="${FAILING}"] .badge.unhealthy`).isVisible()).toBe(true);
  });
});
