/**
 * Discovered origins are shown with their source (dns:<name>) and state in the health API,
 * the metrics and the status page, and each name's resolution in the health API's `dns`.
 */
import { describe, inject, it } from "vitest";
import { admin, proxied, useConfig } from "../worker/helpers.ts";

const dns = inject("dns");

describe("DNS discovery, seen", () => {
  it("health, metrics and the status page show discovered origins with their source and state", async ({ expect }) => {
    const put = await fetch(`${dns.control}/zone?name=seen.dns.test`, {
      method: "PUT",
      body: JSON.stringify({
        records: [
          { type: "A", address: "127.0.0.3", ttl: 5 },
          { type: "A", address: "169.254.169.254", ttl: 5 },
        ],
      }),
    });
    await put.text();
    await useConfig({
      origins: [{ id: "anchor", url: dns.anchor, weight: 0 }],
      pools: [{ id: "p", origins: ["anchor"], discovery: [{ dns: { name: "seen.dns.test", port: dns.port, addresses: ["0.0.0.0/0"] } }] }],
      routes: [{ id: "r", pools: ["p"] }],
    });
    const id = `p-127.0.0.3-${dns.port}`;
    const deadline = Date.now() + 15_000;
    let served: string | null = null;
    while (served !== id && Date.now() < deadline) {
      const res = await proxied("/seen");
      await res.arrayBuffer();
      served = res.headers.get("x-edgeway-origin");
      if (served !== id) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(served).toBe(id);
    const health = (await (await admin("/health")).json()) as {
      origins: Record<string, { pools: string[]; discovered?: Record<string, unknown> }>;
      dns?: { name: string; addresses: number; refused: { address: string; reason: string }[] }[];
    };
    expect(health.origins[id]).toMatchObject({
      pools: ["p"],
      discovered: { source: "dns:seen.dns.test", state: "active", address: "127.0.0.3" },
    });
    expect(health.dns).toEqual([
      expect.objectContaining({
        name: "seen.dns.test",
        addresses: 2,
        refused: [expect.objectContaining({ address: "169.254.169.254", reason: "dangerous_address" })],
      }),
    ]);
    const metrics = await (await admin("/metrics")).text();
    expect(metrics).toContain(`edgeway_origin_discovered{origin="${id}",pool="p",source="dns:seen.dns.test",state="active"} 1`);
    expect(metrics).toMatch(/edgeway_dns_queries_total\{name="seen.dns.test",type="A"\} [1-9]/);
    expect(metrics).toContain('edgeway_dns_refused_addresses{name="seen.dns.test",reason="dangerous_address",type="A"} 1');
    const page = await (await admin("/status", { headers: { accept: "text/html" } })).text();
    expect(page).toContain(`data-origin="${id}"`);
    expect(page).toContain("dns:seen.dns.test");
    // Explain names the source too, and the configured anchor as a document origin.
    const explained = (await (await admin(`/explain?url=${encodeURIComponent("http://app.test/seen")}`)).json()) as {
      pools: { origins: { id: string; source: string; registered: boolean }[] }[];
    };
    const origins = explained.pools.flatMap((p) => p.origins);
    expect(origins.find((o) => o.id === id)).toMatchObject({ source: "dns:seen.dns.test", registered: false });
    expect(origins.find((o) => o.id === "anchor")).toMatchObject({ source: "config", registered: false });
  });
});
