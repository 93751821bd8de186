/**
 * The property behind the Istio import's placement of matches: for any VirtualService and
 * any request, Edgeway's route table (Gateway API precedence) picks the route of the
 * entry Istio would pick (the first whose match holds) — unless the import reported an
 * overlap it could not write as one match.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { validateConfig } from "../../src/config/validate.ts";
import { compileRouteTable, pathMatches } from "../../src/routing/match.ts";
import { importIstio } from "../../scripts/lib/import/istio.ts";

const SERVICES = { kind: "EdgewayServiceMap", services: { svc: [{ url: "http://10.0.0.1:8080" }] } };

const uri = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom("/", "/a", "/a/b", "/b").map((prefix) => ({ prefix })),
  fc.constantFrom("/a", "/a/b", "/a/b/c", "/b/x").map((exact) => ({ exact })),
  fc.constantFrom("/a/.*", "/b/[a-z]+").map((regex) => ({ regex })),
);
const match = fc.record(
  {
    uri,
    headers: fc.record({ x: fc.constantFrom("1", "2"), y: fc.constant("1") }, { requiredKeys: [] }),
    method: fc.constantFrom("GET", "POST"),
  },
  { requiredKeys: ["headers"] },
);
const entries = fc.array(fc.array(match, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 5 });
const request = fc.record({
  path: fc.constantFrom("/", "/a", "/a/b", "/a/b/c", "/b", "/b/x", "/c"),
  x: fc.constantFrom(undefined, "1", "2"),
  y: fc.constantFrom(undefined, "1"),
  method: fc.constantFrom("GET", "POST"),
});

type Match = { uri?: { prefix?: string; exact?: string; regex?: string } | undefined; headers: Record<string, string>; method?: string };
type Request = { path: string; x: string | undefined; y: string | undefined; method: string };

/** Istio's own rule: the first entry with a match that holds (prefixes on whole segments, as the import maps them). */
function istioPick(all: readonly Match[][], req: Request): number | undefined {
  const holds = (m: Match): boolean => {
    const u = m.uri;
    if (u?.prefix !== undefined && !pathMatches(u.prefix, req.path)) return false;
    if (u?.exact !== undefined && u.exact !== req.path) return false;
    if (u?.regex !== undefined && !new RegExp(`^(?:${u.regex})$`).test(req.path)) return false;
    if (m.method !== undefined && m.method !== req.method) return false;
    return Object.entries(m.headers).every(([name, value]) => (name === "x" ? req.x : req.y) === value);
  };
  const i = all.findIndex((list) => list.some(holds));
  return i < 0 ? undefined : i;
}

describe("Istio import: first match wins under Edgeway's precedence", () => {
  it("sends every request to the entry Istio would, or reports why it cannot", ({ expect }) => {
    let checked = 0;
    let skipped = 0;
    fc.assert(
      fc.property(entries, fc.array(request, { minLength: 1, maxLength: 12 }), (all, reqs) => {
        const http = all.map((list, i) => ({
          name: `e${i}`,
          match: list.map((m) => ({
            ...(m.uri === undefined ? {} : { uri: m.uri }),
            headers: Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, { exact: v }])),
            ...(m.method === undefined ? {} : { method: { exact: m.method } }),
          })),
          route: [{ destination: { host: "svc" } }],
        }));
        const vs = { kind: "VirtualService", metadata: { name: "vs" }, spec: { hosts: ["h.example.com"], http } };
        const result = importIstio([
          { source: "vs", value: vs },
          { source: "map", value: SERVICES },
        ]);
        if (result.dropped.some((d) => /cannot be written as one match|more than 64 matches/.test(d.reason))) {
          skipped++;
          return;
        }
        checked++;
        const valid = validateConfig(result.config);
        expect(valid.ok).toBe(true);
        if (!valid.ok) return;
        const table = compileRouteTable(valid.config.routes);
        for (const req of reqs) {
          const headers = new Headers();
          if (req.x !== undefined) headers.set("x", req.x);
          if (req.y !== undefined) headers.set("y", req.y);
          const hit = table.match("h.example.com", req.path, { method: req.method, headers }, { searchParams: new URLSearchParams() });
          const edgeway = hit === undefined ? undefined : Number(/^vs-e(\d+)/.exec(hit.route.id)?.[1]);
          expect(edgeway, JSON.stringify({ http, req })).toBe(istioPick(all, req));
        }
      }),
      { numRuns: 400, seed: 22 },
    );
    // Overlaps that cannot be written as one match (a pattern against a prefix or another pattern) are the exception.
    expect(checked).toBeGreaterThan(skipped * 4);
  });
});
