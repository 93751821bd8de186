/**
 * WebSockets through Edgeway on workerd, against real WebSocket origins (the `ws` package)
 * on 127.0.0.1: echo, metrics while open, affinity, failover before the upgrade, drain,
 * a route that refuses upgrades, and a route with no live origin.
 */
import { describe, inject, it } from "vitest";
import { admin, proxied, setOriginMode, useConfig } from "../worker/helpers.ts";

const origins = inject("protocolOrigins");
const dead = inject("deadOrigin");

/** Opens a WebSocket through Edgeway; the handshake response comes back with it. */
async function connect(headers: Record<string, string> = {}, path = "/chat"): Promise<{ ws: WebSocket; res: Response }> {
  const res = await proxied(path, { headers: { upgrade: "websocket", ...headers } });
  const ws = res.webSocket;
  if (ws === null) throw new Error(`no WebSocket: ${res.status} ${await res.text()}`);
  ws.accept();
  return { ws, res };
}

/** The next message on `ws` (bounded wait). */
function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no message within 5 s")), 5_000);
    ws.addEventListener(
      "message",
      (event) => {
        clearTimeout(timer);
        resolve(String(event.data));
      },
      { once: true },
    );
  });
}

/** Sends `text` and returns the echo ("<origin id>:<text>"). */
async function echo(ws: WebSocket, text: string): Promise<string> {
  const reply = nextMessage(ws);
  ws.send(text);
  return reply;
}

function closed(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    ws.addEventListener("close", () => resolve(), { once: true });
    ws.close(1000, "done");
  });
}

async function metric(name: string, labels: string): Promise<number | undefined> {
  const text = await (await admin("/metrics")).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
}

function pairConfig(route: Record<string, unknown> = {}, ids = ["p1", "p2"]): unknown {
  return {
    origins: ids.map((id) => ({ id, url: origins[id] })),
    pools: [{ id: "pair", origins: ids, steering: "round_robin" }],
    routes: [{ id: "ws", pools: ["pair"], ...route }],
  };
}

describe("WebSockets", () => {
  it("echo through Edgeway; open sockets show in metrics until they close", async ({ expect }) => {
    await useConfig(pairConfig({}, ["p1"]));
    const { ws, res } = await connect({ "x-request-id": "ws-test-1" });
    expect(res.status).toBe(101);
    expect(res.headers.get("x-edgeway-origin")).toBe("p1");
    expect(res.headers.get("x-request-id")).toBe("ws-test-1");
    expect(await echo(ws, "hello")).toBe("p1:hello");
    expect(await echo(ws, "again")).toBe("p1:again");
    expect(await metric("edgeway_websockets_open", 'origin="p1",route="ws"')).toBe(1);
    expect(await metric("edgeway_websockets_total", 'origin="p1",route="ws"')).toBeGreaterThanOrEqual(1);
    await closed(ws);
    // The relay hears the close from both ends; give it a bounded number of looks.
    let open: number | undefined = 1;
    for (let i = 0; i < 50 && open !== 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      open = await metric("edgeway_websockets_open", 'origin="p1",route="ws"');
    }
    expect(open).toBe(0);
  });

  it("header affinity keeps a client's sockets on one origin; without it they spread", async ({ expect }) => {
    await useConfig(pairConfig({ affinity: { type: "header", name: "x-session" } }));
    const pinned = new Set<string>();
    const spread = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const a = await connect({ "x-session": "alice" });
      pinned.add((await echo(a.ws, "x")).split(":")[0] ?? "");
      await closed(a.ws);
      const b = await connect();
      spread.add((await echo(b.ws, "x")).split(":")[0] ?? "");
      await closed(b.ws);
    }
    expect(pinned.size).toBe(1);
    expect(spread).toEqual(new Set(["p1", "p2"]));
  });

  it("fails over before the upgrade: a dead origin, then one that refuses the handshake with 503", async ({ expect }) => {
    await setOriginMode(origins.p4 ?? "", "fail");
    try {
      const config = (first: string): unknown => ({
        origins: [
          { id: "first", url: first },
          { id: "p3", url: origins.p3 },
        ],
        pools: [
          { id: "a", origins: ["first"] },
          { id: "b", origins: ["p3"] },
        ],
        routes: [{ id: "ws", pools: ["a", "b"], steering: "failover" }],
      });
      for (const first of [dead, origins.p4 ?? ""]) {
        await useConfig(config(first));
        const { ws, res } = await connect();
        expect(res.status).toBe(101);
        expect(await echo(ws, "over")).toBe("p3:over");
        await closed(ws);
      }
    } finally {
      await setOriginMode(origins.p4 ?? "", "ok");
    }
  });

  it("a drained origin gets no new WebSocket, even for a session pinned to it; its open socket goes on", async ({ expect }) => {
    await useConfig(pairConfig({ affinity: { type: "cookie", ttlSeconds: 600 } }));
    const first = await proxied("/");
    await first.text();
    const pinnedTo = first.headers.get("x-edgeway-origin") ?? "";
    const cookie = (first.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const other = pinnedTo === "p1" ? "p2" : "p1";
    const before = await connect({ cookie });
    expect(await echo(before.ws, "pre")).toBe(`${pinnedTo}:pre`);
    const drained = await admin(`/origins/${pinnedTo}/drain`, {
      method: "POST",
      body: JSON.stringify({ reason: "websocket drain test" }),
      headers: { "content-type": "application/json" },
    });
    expect(drained.status).toBe(200);
    try {
      // Plain requests of the pinned session still go to the drained origin (drain keeps sessions)…
      const plain = await proxied("/", { headers: { cookie } });
      await plain.text();
      expect(plain.headers.get("x-edgeway-origin")).toBe(pinnedTo);
      // …but a new WebSocket does not: it would outlive the drain.
      for (let i = 0; i < 3; i++) {
        const { ws } = await connect({ cookie });
        expect(await echo(ws, "new")).toBe(`${other}:new`);
        await closed(ws);
      }
      expect(await echo(before.ws, "still")).toBe(`${pinnedTo}:still`);
      await closed(before.ws);
    } finally {
      const enabled = await admin(`/origins/${pinnedTo}/enable`, { method: "POST" });
      await enabled.text();
    }
  });

  it("a route with websockets: false refuses the upgrade with a clear 403", async ({ expect }) => {
    await useConfig(pairConfig({ websockets: false }));
    const res = await proxied("/chat", { headers: { upgrade: "websocket" } });
    expect(res.status).toBe(403);
    expect(res.webSocket).toBeNull();
    expect(await res.json()).toMatchObject({ code: "websockets_disabled", route: "ws" });
  });

  it("an upgrade to a route whose origins are all down gets Edgeway's JSON 502", async ({ expect }) => {
    await useConfig({
      origins: [{ id: "gone", url: dead }],
      pools: [{ id: "a", origins: ["gone"] }],
      routes: [{ id: "ws", pools: ["a"] }],
    });
    const res = await proxied("/chat", { headers: { upgrade: "websocket" } });
    expect(res.status).toBe(502);
    expect(res.headers.get("x-edgeway-error")).toBe("origin_unreachable");
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f]{32}$/);
    expect(await metric("edgeway_websocket_failures_total", 'origin="gone",route="ws",stage="handshake"')).toBeGreaterThanOrEqual(1);
  });
});
