/**
 * Origins for the protocol tests (WebSockets, streaming, what the origin sees), apart from
 * global-setup.ts's so these tests can drain and fail them without touching other files'
 * origins: `inject("protocolOrigins")` gives p1–p4, and `inject("deadOrigin")` a URL on
 * 127.0.0.1 where nothing listens (a port taken from a server that was then closed).
 */
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { startOrigin } from "../../scripts/lib/origin-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    protocolOrigins: Record<string, string>;
    deadOrigin: string;
  }
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const servers = await Promise.all(["p1", "p2", "p3", "p4"].map((id) => startOrigin({ id })));
  project.provide("protocolOrigins", Object.fromEntries(servers.map((s) => [s.id, s.url])));
  project.provide("deadOrigin", `http://127.0.0.1:${await closedPort()}`);
  return async () => {
    await Promise.all(servers.map((s) => s.close()));
  };
}
