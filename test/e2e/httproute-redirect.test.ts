/**
 * RequestRedirect as the Gateway API's conformance suite holds HTTPRoute implementations
 * to it (conformance/tests/httproute-redirect-path, -redirect-host-and-status,
 * -redirect-port, -redirect-scheme, -redirect-port-and-scheme, -303/-307/-308-redirect),
 * ported case by case: each request must get the status and a Location that resolves to
 * the expected URL, with the query string kept. The Gateway API's listeners on ports 80,
 * 8080 and 443 are three hosts here, each asked on that port and scheme. Every redirect
 * route's pool is an origin nothing listens on: a request that reached it would come back
 * as an error, never as the redirect.
 */
import { exports } from "cloudflare:workers";
import { describe, inject, it } from "vitest";
import { useConfig } from "../worker/helpers.ts";

interface Redirect {
  readonly scheme?: "http" | "https";
  readonly hostname?: string;
  readonly port?: number;
  readonly path?:
    | { readonly type: "ReplaceFullPath"; readonly replaceFullPath: string }
    | { readonly type: "ReplacePrefixMatch"; readonly replacePrefixMatch: string };
  readonly statusCode?: 301 | 302 | 303 | 307 | 308;
}

/** A route (its path prefix and redirect) and the requests it must redirect: [URL, status, expected Location]. */
interface Rule {
  readonly prefix: string;
  readonly redirect: Redirect;
  readonly cases: readonly (readonly [url: string, status: number, location: string])[];
}

const prefixTo = (replacePrefixMatch: string) => ({ type: "ReplacePrefixMatch", replacePrefixMatch }) as const;
const fullTo = (replaceFullPath: string) => ({ type: "ReplaceFullPath", replaceFullPath }) as const;

const HOST = "http://redirect.test";
const L80 = "http://listener80.test";
const L8080 = "http://listener8080.test:8080";
const L443 = "https://listener443.test";

const RULES: Record<string, readonly Rule[]> = {
  "redirect.test": [
    // httproute-redirect-path
    {
      prefix: "/original-prefix",
      redirect: { path: prefixTo("/replacement-prefix") },
      cases: [
        [`${HOST}/original-prefix/lemon`, 302, `${HOST}/replacement-prefix/lemon`],
        [`${HOST}/original-prefix/lemon?fruit=1&ripe`, 302, `${HOST}/replacement-prefix/lemon?fruit=1&ripe`],
        [`${HOST}/original-prefix`, 302, `${HOST}/replacement-prefix`],
      ],
    },
    {
      prefix: "/full",
      redirect: { path: fullTo("/full-path-replacement") },
      cases: [
        [`${HOST}/full/path/original`, 302, `${HOST}/full-path-replacement`],
        [`${HOST}/full/path/original?q=x`, 302, `${HOST}/full-path-replacement?q=x`],
      ],
    },
    {
      prefix: "/path-and-host",
      redirect: { hostname: "example.org", path: prefixTo("/replacement-prefix") },
      cases: [[`${HOST}/path-and-host`, 302, "http://example.org/replacement-prefix"]],
    },
    {
      prefix: "/path-and-status",
      redirect: { path: prefixTo("/replacement-prefix"), statusCode: 301 },
      cases: [[`${HOST}/path-and-status`, 301, `${HOST}/replacement-prefix`]],
    },
    {
      prefix: "/full-path-and-host",
      redirect: { hostname: "example.org", path: fullTo("/replacement-full") },
      cases: [[`${HOST}/full-path-and-host`, 302, "http://example.org/replacement-full"]],
    },
    {
      prefix: "/full-path-and-status",
      redirect: { path: fullTo("/replacement-full"), statusCode: 301 },
      cases: [[`${HOST}/full-path-and-status`, 301, `${HOST}/replacement-full`]],
    },
    // httproute-redirect-host-and-status
    {
      prefix: "/hostname-redirect",
      redirect: { hostname: "example.org" },
      cases: [[`${HOST}/hostname-redirect`, 302, "http://example.org/hostname-redirect"]],
    },
    {
      prefix: "/host-and-status",
      redirect: { hostname: "example.org", statusCode: 301 },
      cases: [[`${HOST}/host-and-status`, 301, "http://example.org/host-and-status"]],
    },
    // httproute-redirect-port
    { prefix: "/port", redirect: { port: 8083 }, cases: [[`${HOST}/port`, 302, "http://redirect.test:8083/port"]] },
    {
      prefix: "/port-and-host",
      redirect: { hostname: "example.org", port: 8083 },
      cases: [[`${HOST}/port-and-host`, 302, "http://example.org:8083/port-and-host"]],
    },
    {
      prefix: "/port-and-status",
      redirect: { port: 8083, statusCode: 301 },
      cases: [[`${HOST}/port-and-status`, 301, "http://redirect.test:8083/port-and-status"]],
    },
    {
      prefix: "/port-and-host-and-status",
      redirect: { port: 8083, hostname: "example.org", statusCode: 302 },
      cases: [[`${HOST}/port-and-host-and-status`, 302, "http://example.org:8083/port-and-host-and-status"]],
    },
    // httproute-redirect-scheme
    { prefix: "/scheme", redirect: { scheme: "https" }, cases: [[`${HOST}/scheme`, 302, "https://redirect.test/scheme"]] },
    {
      prefix: "/scheme-and-host",
      redirect: { hostname: "example.org", scheme: "https" },
      cases: [[`${HOST}/scheme-and-host`, 302, "https://example.org/scheme-and-host"]],
    },
    {
      prefix: "/scheme-and-status",
      redirect: { scheme: "https", statusCode: 301 },
      cases: [[`${HOST}/scheme-and-status`, 301, "https://redirect.test/scheme-and-status"]],
    },
    {
      prefix: "/scheme-and-host-and-status",
      redirect: { scheme: "https", statusCode: 302, hostname: "example.org" },
      cases: [[`${HOST}/scheme-and-host-and-status`, 302, "https://example.org/scheme-and-host-and-status"]],
    },
    // httproute-303-redirect, -307-redirect, -308-redirect
    { prefix: "/see-other", redirect: { statusCode: 303 }, cases: [[`${HOST}/see-other`, 303, `${HOST}/see-other`]] },
    { prefix: "/temporary", redirect: { statusCode: 307 }, cases: [[`${HOST}/temporary`, 307, `${HOST}/temporary`]] },
    { prefix: "/permanent", redirect: { statusCode: 308 }, cases: [[`${HOST}/permanent?a=b`, 308, `${HOST}/permanent?a=b`]] },
  ],
  // httproute-redirect-port-and-scheme: the listener on port 80
  "listener80.test": [
    {
      prefix: "/scheme-nil-and-port-nil",
      redirect: { hostname: "example.org" },
      cases: [[`${L80}/scheme-nil-and-port-nil`, 302, "http://example.org/scheme-nil-and-port-nil"]],
    },
    {
      prefix: "/scheme-nil-and-port-80",
      redirect: { port: 80, hostname: "example.org" },
      cases: [[`${L80}/scheme-nil-and-port-80`, 302, "http://example.org/scheme-nil-and-port-80"]],
    },
    {
      prefix: "/scheme-nil-and-port-8080",
      redirect: { port: 8080, hostname: "example.org" },
      cases: [[`${L80}/scheme-nil-and-port-8080`, 302, "http://example.org:8080/scheme-nil-and-port-8080"]],
    },
    {
      prefix: "/scheme-https-and-port-nil",
      redirect: { scheme: "https", hostname: "example.org" },
      cases: [[`${L80}/scheme-https-and-port-nil`, 302, "https://example.org/scheme-https-and-port-nil"]],
    },
    {
      prefix: "/scheme-https-and-port-443",
      redirect: { scheme: "https", port: 443, hostname: "example.org" },
      cases: [[`${L80}/scheme-https-and-port-443`, 302, "https://example.org/scheme-https-and-port-443"]],
    },
    {
      prefix: "/scheme-https-and-port-8443",
      redirect: { scheme: "https", port: 8443, hostname: "example.org" },
      cases: [[`${L80}/scheme-https-and-port-8443`, 302, "https://example.org:8443/scheme-https-and-port-8443"]],
    },
  ],
  // The listener on port 8080: a redirect with neither scheme nor port keeps the request's port.
  "listener8080.test": [
    {
      prefix: "/scheme-nil-and-port-nil",
      redirect: { hostname: "example.org" },
      cases: [[`${L8080}/scheme-nil-and-port-nil`, 302, "http://example.org:8080/scheme-nil-and-port-nil"]],
    },
    {
      prefix: "/scheme-nil-and-port-80",
      redirect: { port: 80, hostname: "example.org" },
      cases: [[`${L8080}/scheme-nil-and-port-80`, 302, "http://example.org/scheme-nil-and-port-80"]],
    },
    {
      prefix: "/scheme-https-and-port-nil",
      redirect: { scheme: "https", hostname: "example.org" },
      cases: [[`${L8080}/scheme-https-and-port-nil`, 302, "https://example.org/scheme-https-and-port-nil"]],
    },
  ],
  // The HTTPS listener on port 443.
  "listener443.test": [
    {
      prefix: "/scheme-nil-and-port-nil",
      redirect: { hostname: "example.org" },
      cases: [[`${L443}/scheme-nil-and-port-nil`, 302, "https://example.org/scheme-nil-and-port-nil"]],
    },
    {
      prefix: "/scheme-nil-and-port-443",
      redirect: { port: 443, hostname: "example.org" },
      cases: [[`${L443}/scheme-nil-and-port-443`, 302, "https://example.org/scheme-nil-and-port-443"]],
    },
    {
      prefix: "/scheme-nil-and-port-8443",
      redirect: { port: 8443, hostname: "example.org" },
      cases: [[`${L443}/scheme-nil-and-port-8443`, 302, "https://example.org:8443/scheme-nil-and-port-8443"]],
    },
    {
      prefix: "/scheme-http-and-port-nil",
      redirect: { scheme: "http", hostname: "example.org" },
      cases: [[`${L443}/scheme-http-and-port-nil`, 302, "http://example.org/scheme-http-and-port-nil"]],
    },
    {
      prefix: "/scheme-http-and-port-80",
      redirect: { scheme: "http", port: 80, hostname: "example.org" },
      cases: [[`${L443}/scheme-http-and-port-80`, 302, "http://example.org/scheme-http-and-port-80"]],
    },
    {
      prefix: "/scheme-http-and-port-8080",
      redirect: { scheme: "http", port: 8080, hostname: "example.org" },
      cases: [[`${L443}/scheme-http-and-port-8080`, 302, "http://example.org:8080/scheme-http-and-port-8080"]],
    },
  ],
};

function config(dead: string, extra: unknown[] = []): unknown {
  const routes = Object.entries(RULES).flatMap(([host, rules], h) =>
    rules.map((rule, r) => ({
      id: `h${h}-redirect${r}`,
      match: { host, pathPrefix: rule.prefix },
      // An origin nothing listens on: forwarding would fail, not redirect.
      pools: ["unreachable"],
      filters: [{ type: "RequestRedirect", requestRedirect: rule.redirect }],
    })),
  );
  return { origins: [{ id: "dead", url: dead }], pools: [{ id: "unreachable", origins: ["dead"] }], routes: [...routes, ...extra] };
}

async function redirected(url: string, init: RequestInit = {}): Promise<{ status: number; location: string; res: Response }> {
  const res = await exports.default.fetch(new Request(url, { ...init, redirect: "manual" }));
  await res.text();
  const raw = res.headers.get("location");
  // The Gateway API asks for the Location's parts, so a relative Location is read against the request's URL.
  return { status: res.status, location: raw === null ? "(no Location)" : new URL(raw, url).href, res };
}

describe("RequestRedirect (Gateway API conformance cases)", () => {
  for (const [host, rules] of Object.entries(RULES))
    it(`${host}: status and Location for every case`, async ({ expect }) => {
      await useConfig(config(inject("deadOrigin")));
      const got: string[] = [];
      const want: string[] = [];
      for (const rule of rules)
        for (const [url, status, location] of rule.cases) {
          const answer = await redirected(url);
          got.push(`${url} → ${answer.status} ${answer.location} origin=${answer.res.headers.get("x-edgeway-origin")}`);
          want.push(`${url} → ${status} ${new URL(location).href} origin=null`);
        }
      expect(got).toEqual(want);
    });

  it("redirects a POST with 303 without reading or forwarding its body", async ({ expect }) => {
    await useConfig(config(inject("deadOrigin")));
    const answer = await redirected(`${HOST}/see-other`, { method: "POST", body: "x".repeat(100_000) });
    expect([answer.status, answer.location]).toEqual([303, `${HOST}/see-other`]);
  });

  it("carries the request's id and the route's ResponseHeaderModifier edits", async ({ expect }) => {
    const edited = {
      id: "edited",
      match: { host: "edited.test", pathPrefix: "/" },
      pools: ["unreachable"],
      filters: [
        { type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } },
        {
          type: "ResponseHeaderModifier",
          responseHeaderModifier: { set: [{ name: "Strict-Transport-Security", value: "max-age=63072000" }] },
        },
      ],
    };
    await useConfig(config(inject("deadOrigin"), [edited]));
    const answer = await redirected("http://edited.test/login?next=%2Fhome", { headers: { "x-request-id": "req-7f3a" } });
    expect([answer.status, answer.location]).toEqual([301, "https://edited.test/login?next=%2Fhome"]);
    expect(answer.res.headers.get("strict-transport-security")).toBe("max-age=63072000");
    expect(answer.res.headers.get("x-request-id")).toBe("req-7f3a");
  });
});
