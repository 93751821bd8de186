/**
 * A real DNS server for DNS discovery's tests: dns2's DNS-over-HTTPS server (RFC 8484, over
 * plain HTTP on loopback) answering from a zone the tests change while they run, on the
 * port EDGEWAY_DOH_URL names in vitest.config.ts (DOH_TEST_PORT). As a globalSetup it also starts the
 * origins the records point at — dns1–dns4 on 127.0.0.1–127.0.0.4, all on one port (Linux
 * answers on all of 127.0.0.0/8), and srv1–srv3 on ports of their own for SRV — and a
 * control server (`inject("dns").control`):
 *   PUT    /zone?name=N    body { records: [{ type, ttl?, address? | target? | port, priority, weight }], additionals? }
 *   DELETE /zone?name=N    the name is gone: NXDOMAIN
 *   POST   /resolver?set=ok|servfail|hang|down|up   how the resolver answers (down: its port refuses connections)
 *   GET    /queries?name=N { queries }: questions asked for N so far
 * `startDohZone` is also what `npm run bench -- --only dns` resolves 1,000 names against.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createDOHServer, Packet } from "dns2";
import type { TestProject } from "vitest/node";
import { startOrigin } from "../../scripts/lib/origin-server.ts";
import type { OriginServer } from "../../scripts/lib/origin-server.ts";

/** A resource record as dns2 builds it. */
type Resource = Packet["answers"][number];
/** Response codes (RFC 1035 §4.1.1), which dns2's types leave out. */
const RCODE = { SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

/**
 * The DoH server's port in the worker tests (vitest.config.ts points EDGEWAY_DOH_URL at it).
 * The config and the global setup run in the one vitest process, so a port derived from its
 * pid is the same for both, and two test runs on one machine do not take the same port.
 */
export const DOH_TEST_PORT = 20_000 + (process.pid % 20_000);

export interface ZoneRecord {
  readonly type: "A" | "AAAA" | "CNAME" | "SRV";
  readonly ttl?: number;
  readonly address?: string;
  readonly target?: string;
  readonly port?: number;
  readonly priority?: number;
  readonly weight?: number;
}

export type ResolverMode = "ok" | "servfail" | "hang";

export interface DohZone {
  readonly url: string;
  set(name: string, records: readonly ZoneRecord[], additionals?: boolean): void;
  remove(name: string): void;
  setMode(mode: ResolverMode): void;
  queries(name: string): number;
  /** Closes the listener (connections refused) and opens it again on the same port. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

const NEGATIVE_TTL = 5;

/** Starts a DoH server on 127.0.0.1:`port` (0: any free port) answering from a zone held in memory. */
export async function startDohZone(port = 0): Promise<DohZone> {
  const zone = new Map<string, { records: readonly ZoneRecord[]; additionals: boolean }>();
  const asked = new Map<string, number>();
  let mode: ResolverMode = "ok";
  const soa = (name: string) => ({
    name: name.split(".").slice(-2).join("."),
    type: Packet.TYPE.SOA,
    class: Packet.CLASS.IN,
    ttl: NEGATIVE_TTL,
    primary: "ns.zone.test",
    admin: "admin.zone.test",
    serial: 1,
    refresh: 60,
    retry: 60,
    expiration: 600,
    minimum: NEGATIVE_TTL,
  });
  const resource = (name: string, r: ZoneRecord) => ({
    name,
    type: Packet.TYPE[r.type],
    class: Packet.CLASS.IN,
    ttl: r.ttl ?? 5,
    ...(r.type === "A" || r.type === "AAAA" ? { address: r.address } : {}),
    ...(r.type === "CNAME" ? { domain: r.target } : {}),
    ...(r.type === "SRV" ? { priority: r.priority ?? 0, weight: r.weight ?? 0, port: r.port, target: r.target } : {}),
  });
  const handle = (request: Packet, send: (response: Packet) => unknown): void => {
    const [question] = request.questions;
    if (question === undefined) return;
    const name = question.name.toLowerCase();
    asked.set(name, (asked.get(name) ?? 0) + 1);
    if (mode === "hang") return;
    const response = Packet.createResponseFromRequest(request);
    if (mode === "servfail") {
      response.header.rcode = RCODE.SERVFAIL;
      send(response);
      return;
    }
    let owner = name;
    let entry = zone.get(owner);
    if (entry === undefined) {
      response.header.rcode = RCODE.NXDOMAIN;
      response.authorities.push(soa(name) as Resource);
      send(response);
      return;
    }
    for (let hop = 0; hop < 8 && entry !== undefined; hop++) {
      const alias = entry.records.find((r) => r.type === "CNAME");
      if (alias === undefined || question.type === Packet.TYPE.CNAME) break;
      response.answers.push(resource(owner, alias) as Resource);
      owner = (alias.target ?? "").toLowerCase();
      entry = zone.get(owner);
    }
    const matching = (entry?.records ?? []).filter((r) => Packet.TYPE[r.type] === question.type);
    for (const r of matching) response.answers.push(resource(owner, r) as Resource);
    if (matching.length === 0) response.authorities.push(soa(name) as Resource);
    if (entry?.additionals === true)
      for (const r of matching) {
        const target = zone.get((r.target ?? "").toLowerCase());
        for (const a of target?.records ?? [])
          if (a.type === "A" || a.type === "AAAA") response.additionals.push(resource(r.target ?? "", a) as Resource);
      }
    send(response);
  };
  let server: ReturnType<typeof createDOHServer> | undefined;
  let boundPort = port;
  const up = async (): Promise<void> => {
    if (server !== undefined) return;
    const s = createDOHServer({ ssl: false });
    s.on("request", handle as Parameters<typeof s.on>[1]);
    await new Promise<void>((resolve, reject) => {
      s.once("listening", () => resolve());
      s.once("error", reject);
      s.listen(boundPort, "127.0.0.1");
    });
    boundPort = s.address()?.port ?? boundPort;
    server = s;
  };
  const down = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (s === undefined) return;
    await new Promise<void>((resolve) => {
      s.once("close", () => resolve());
      s.close();
    });
  };
  await up();
  return {
    url: `http://127.0.0.1:${boundPort}/dns-query`,
    set: (name, records, additionals = false) => zone.set(name.toLowerCase(), { records, additionals }),
    remove: (name) => zone.delete(name.toLowerCase()),
    setMode: (m) => {
      mode = m;
    },
    queries: (name) => asked.get(name.toLowerCase()) ?? 0,
    down,
    up,
    close: down,
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    dns: { control: string; port: number; srv: Record<string, number>; anchor: string };
  }
}

/** dns1 on 127.0.0.1 and dns2–dns4 on 127.0.0.2–4, one port for all (a port free on 127.0.0.1 can be taken on another address: retried). */
async function loopbackOrigins(): Promise<OriginServer[]> {
  for (let attempt = 0; ; attempt++) {
    const first = await startOrigin({ id: "dns1", host: "127.0.0.1" });
    try {
      const rest = await Promise.all([2, 3, 4].map((i) => startOrigin({ id: `dns${i}`, host: `127.0.0.${i}`, port: first.port })));
      return [first, ...rest];
    } catch (error) {
      await first.close();
      if (attempt >= 4) throw error;
    }
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const zone = await startDohZone(DOH_TEST_PORT);
  const loopback = await loopbackOrigins();
  const srv = await Promise.all(["srv1", "srv2", "srv3"].map((id) => startOrigin({ id })));
  const anchor = await startOrigin({ id: "dns-anchor" });
  const control = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://control.invalid");
      const name = url.searchParams.get("name") ?? "";
      if (url.pathname === "/zone" && req.method === "PUT") {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { records: ZoneRecord[]; additionals?: boolean };
        zone.set(name, body.records, body.additionals);
      } else if (url.pathname === "/zone" && req.method === "DELETE") {
        zone.remove(name);
      } else if (url.pathname === "/resolver" && req.method === "POST") {
        const set = url.searchParams.get("set");
        if (set === "down") await zone.down();
        else if (set === "up") await zone.up();
        else zone.setMode(set === "servfail" || set === "hang" ? set : "ok");
      } else if (url.pathname === "/queries") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ queries: zone.queries(name) }));
        return;
      } else {
        res.writeHead(404).end("unknown control path\n");
        return;
      }
      res.writeHead(200).end("ok\n");
    })().catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  project.provide("dns", {
    control: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
    port: loopback[0]?.port ?? 0,
    srv: Object.fromEntries(srv.map((s) => [s.id, s.port])),
    anchor: anchor.url,
  });
  return async () => {
    control.closeAllConnections();
    await new Promise<void>((resolve) => control.close(() => resolve()));
    await Promise.all([...loopback, ...srv, anchor].map((s) => s.close()));
    await zone.close();
  };
}
