/**
 * GET /_edgeway/explain's route matching, end to end against real origins f6 and f7:
 * every candidate match with its field verdicts, the winner and why, and the data plane
 * serving the same route.
 */
import { describe, inject, it } from "vitest";
import type { Explanation } from "../../src/steering/explain/index.ts";
import { admin, proxied, useConfig } from "../worker/helpers.ts";

async function explainOf(url: string, header: string): Promise<Explanation> {
  const res = await admin(`/explain?${new URLSearchParams({ url, header }).toString()}`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`explain answered ${res.status}: ${text}`);
  return JSON.parse(text) as Explanation;
}

async function servedBy(path: string, headers: Record<string, string>): Promise<{ origin: string | null }> {
  const res = await proxied(path, { headers });
  await res.arrayBuffer();
  return { origin: res.headers.get("x-edgeway-origin") };
}

function bothOrigins(): { id: string; url: string }[] {
  const all = inject("origins");
  return [
    { id: "f6", url: all.f6 ?? "" },
    { id: "f7", url: all.f7 ?? "" },
  ];
}

describe("explain shows route matching", () => {
  it("each candidate's field verdicts, the winner and why; the data plane serves the same route", async ({ expect }) => {
    await useConfig({
      origins: bothOrigins(),
      pools: [
        { id: "stable", origins: ["f6"] },
        { id: "testing", origins: ["f7"] },
      ],
      routes: [
        { id: "api", match: { host: "app.test", pathPrefix: "/api" }, pools: ["stable"] },
        {
          id: "testers",
          match: { host: "app.test", pathPrefix: "/api", headers: [{ name: "x-tester", value: "yes" }] },
          pools: ["testing"],
        },
        { id: "ping", match: { host: "app.test", path: { type: "Exact", value: "/api/ping" }, method: "HEAD" }, pools: ["testing"] },
      ],
    });
    const tester = await explainOf("http://app.test/api/users", "x-tester: yes");
    expect(tester.route?.id).toBe("testers");
    expect(tester.matching.winner).toEqual({ route: "testers", match: 0 });
    expect(tester.matching.why).toBe('more header matches than route "api"');
    expect(tester.matching.candidates.map((c) => [c.route, c.held])).toEqual([
      ["ping", false],
      ["testers", true],
      ["api", true],
    ]);
    const ping = tester.matching.candidates.find((c) => c.route === "ping");
    expect(ping?.fields).toEqual([
      { field: "path", want: "Exact /api/ping", got: "/api/users", held: false },
      { field: "method", want: "HEAD", got: "GET", held: false },
    ]);
    expect((await servedBy("/api/users", { "x-tester": "yes" })).origin).toBe("f7");

    const other = await explainOf("http://app.test/api/users", "x-tester: no");
    expect(other.route?.id).toBe("api");
    expect(other.matching.why).toBe("the only match that held");
    expect(other.matching.candidates.find((c) => c.route === "testers")?.fields).toContainEqual({
      field: "headers.x-tester",
      want: "Exact yes",
      got: "no",
      held: false,
    });
    expect((await servedBy("/api/users", { "x-tester": "no" })).origin).toBe("f6");
  });
});
