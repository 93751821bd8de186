/**
 * Load balancing rule conditions as Edgeway route matches: the documentation's examples
 * that Edgeway can carry and those it cannot (reported with the part that could not be
 * read), and/or/not in normal form, contradictions, approximations, and the regular
 * expressions between Cloudflare's searches and Edgeway's whole-value patterns. Patterns
 * are judged by what they match, on re2js, not by their text alone.
 */
import fc from "fast-check";
import { RE2JS } from "re2js";
import { describe, it } from "vitest";
import type { RouteMatch } from "../../src/config/match-schema.ts";
import { matchKey } from "../../src/config/validate-rules.ts";
import { compileRegex } from "../../src/routing/regex.ts";
import { printMatches } from "../../scripts/lib/import/cloudflare-rules/print.ts";
import { complementOf, partialToWhole, wholeToPartial } from "../../scripts/lib/import/cloudflare-rules/regex-text.ts";
import { translateCondition } from "../../scripts/lib/import/cloudflare-rules/translate.ts";

const HOST = "www.example.com";

function matches(condition: string, host = HOST): readonly RouteMatch[] {
  const t = translateCondition(condition, host);
  if (!t.ok) throw new Error(`${condition}: ${t.reason}`);
  return t.matches;
}

/** The part a refusal quotes, and why. */
function refusal(condition: string): { part: string; reason: string } {
  const t = translateCondition(condition, HOST);
  if (t.ok) throw new Error(`${condition} was carried`);
  return { part: condition.slice(t.span.start, t.span.end), reason: t.reason };
}

function pathPattern(condition: string): (path: string) => boolean {
  const [m] = matches(condition);
  if (m?.path?.type !== "RegularExpression") throw new Error(`${condition}: ${JSON.stringify(m)}`);
  return compileRegex(m.path.value).test;
}

describe("the documentation's examples Edgeway carries", () => {
  it("path tests: contains, eq, matches, ends_with, lower()", ({ expect }) => {
    expect(matches('(http.request.uri.path contains "/content")')).toEqual([
      { host: HOST, path: { type: "RegularExpression", value: ".*/content.*" } },
    ]);
    expect(matches('http.request.uri.path eq "/articles/2008/"')).toEqual([
      { host: HOST, path: { type: "Exact", value: "/articles/2008/" } },
    ]);
    const years = pathPattern('http.request.uri.path matches "^/articles/200[7-8]/$"');
    expect([years("/articles/2007/"), years("/articles/2009/"), years("/x/articles/2007/")]).toEqual([true, false, false]);
    const html = pathPattern('ends_with(http.request.uri.path, ".html")');
    expect([html("/a/index.html"), html("/a/indexhtml"), html("/a.html/x")]).toEqual([true, false, false]);
    const login = pathPattern('lower(http.request.uri.path) contains "/wp-login.php"');
    expect([login("/blog/WP-Login.PHP"), login("/wp-loginXphp")]).toEqual([true, false]);
    const aspx = pathPattern('http.request.uri.path matches r"/api/login\\.aspx$"');
    expect([aspx("/v2/api/login.aspx"), aspx("/api/login.aspx/x")]).toEqual([true, false]);
  });

  it("headers, query arguments and the country through any(…[*] == …) and ip.src.country", ({ expect }) => {
    expect(matches('any(http.request.headers["content-type"][*] == "application/json")')).toEqual([
      { host: HOST, headers: [{ name: "content-type", type: "Exact", value: "application/json" }] },
    ]);
    // Cloudflare compares "red+apples" as sent; Edgeway reads the decoded value.
    expect(matches('any(http.request.uri.args["search"][*] == "red+apples")')).toEqual([
      { host: HOST, queryParams: [{ name: "search", type: "Exact", value: "red apples" }] },
    ]);
    const countries = matches('ip.geoip.country in {"CN" "TH" "US"}');
    expect(countries.map((m) => m.headers)).toEqual(["CN", "TH", "US"].map((c) => [{ name: "cf-ipcountry", type: "Exact", value: c }]));
  });

  it("folds http.host against the load balancer's name", ({ expect }) => {
    expect(matches('http.host eq "www.example.com" and http.request.uri.path eq "/x"')).toEqual([
      { host: HOST, path: { type: "Exact", value: "/x" } },
    ]);
    expect(matches('http.host matches "^(www|store|blog)\\.example\\.com"')).toEqual([{ host: HOST }]);
    expect(translateCondition('http.host eq "api.example.com"', HOST)).toMatchObject({ ok: true, matches: [] });
    // On a wildcard load balancer, the host becomes the match's host.
    expect(matches('http.host eq "shop.example.com"', "*.example.com")).toEqual([{ host: "shop.example.com" }]);
  });
});

describe("the documentation's examples Edgeway cannot carry, with the part that could not be read", () => {
  it.for([
    [
      '(http.request.uri.path contains "/content")\nand (http.request.uri.query contains "webserver")',
      'http.request.uri.query contains "webserver"',
      /by name and value/,
    ],
    ["ip.src ne 203.0.113.0", "ip.src ne 203.0.113.0", /not a field Edgeway can match on/],
    ['not ( http.host eq "www.cloudflare.com" and ip.src in {203.0.113.0/24} )', "ip.src in {203.0.113.0/24}", /ip\.src/],
    ['http.request.full_uri wildcard "https://example.com/a/*"', 'http.request.full_uri wildcard "https://example.com/a/*"', /full_uri/],
    ["(ip.src in $office_network)", "ip.src in $office_network", /not a field/],
    ['http.request.uri.path matches "^/(?=admin)"', 'http.request.uri.path matches "^/(?=admin)"', /RE2 syntax/],
    ['http.request.headers["accept"] == "text/html"', 'http.request.headers["accept"] == "text/html"', /list of values/],
    ['http.request.headers["accept"][1] == "text/html"', 'http.request.headers["accept"][1] == "text/html"', /first value/],
    ['http.request.method eq "PURGE"', 'http.request.method eq "PURGE"', /not a method/],
  ] as const)("%s", ([condition, part, reason], { expect }) => {
    const r = refusal(condition);
    expect(r.part).toBe(part);
    expect(r.reason).toMatch(reason);
  });

  it("reports the first unreadable leaf of the documentation's nested example", ({ expect }) => {
    const nested =
      '(\n (http.host eq "api.example.com" and http.request.uri.path eq "/api/v2/auth") or\n (http.host matches "^(www|store|blog)\\.example\\.com" and http.request.uri.path contains "wp-login.php") or\n ip.geoip.country in {"CN" "TH"} or ip.geoip.asnum in {12345 54321 11111}\n) and not ip.src in {11.22.33.0/24}';
    expect(refusal(nested).part).toBe("ip.geoip.asnum in {12345 54321 11111}");
  });
});

describe("and / or / not", () => {
  it("expands and over or: each alternative is one match", ({ expect }) => {
    const found = matches(
      '(http.request.uri.path eq "/a" or http.request.uri.path eq "/b") and (ip.src.country eq "DE" or http.request.method eq "POST")',
    );
    expect(found.map((m) => [m.path?.value, m.headers?.[0]?.value ?? m.method])).toEqual([
      ["/a", "DE"],
      ["/a", "POST"],
      ["/b", "DE"],
      ["/b", "POST"],
    ]);
  });

  it("splits a method set into one match per method, and says `ne` as the other methods", ({ expect }) => {
    expect(matches('http.request.method in {"GET" "HEAD"}').map((m) => m.method)).toEqual(["GET", "HEAD"]);
    expect(matches('not http.request.method in {"GET" "HEAD" "OPTIONS" "TRACE" "CONNECT"}').map((m) => m.method)).toEqual([
      "POST",
      "PUT",
      "DELETE",
      "PATCH",
    ]);
  });

  it("says `not` on a path or the country as a pattern that matches everything else", ({ expect }) => {
    const notMaintenance = pathPattern('http.request.uri.path ne "/maintenance"');
    expect(["/maintenance", "/maintenanc", "/maintenance/x", "/", "/other"].map(notMaintenance)).toEqual([false, true, true, true, true]);
    const notAdmin = pathPattern('not starts_with(http.request.uri.path, "/admin")');
    expect(["/admin", "/admin/x", "/administrator", "/adm", "/"].map(notAdmin)).toEqual([false, false, false, true, true]);
    const [m] = matches('ip.src.country ne "DE"');
    const country = compileRegex(m?.headers?.[0]?.value ?? "").test;
    expect(["DE", "FR", "D", "DEU"].map(country)).toEqual([false, true, true, true]);
  });

  it("refuses `not` on a header: an absent header satisfies it and no match can say that", ({ expect }) => {
    expect(refusal('not any(http.request.headers["x-tester"][*] == "yes")').reason).toMatch(/absent/);
    expect(refusal('http.cookie ne "a=1"').part).toBe('http.cookie ne "a=1"');
  });

  it("checks a field's other tests against its fixed value, and drops an and that contradicts itself", ({ expect }) => {
    expect(matches('http.request.uri.path eq "/shop/cart" and starts_with(http.request.uri.path, "/shop/")')).toEqual([
      { host: HOST, path: { type: "Exact", value: "/shop/cart" } },
    ]);
    expect(translateCondition('http.request.uri.path eq "/a" and http.request.uri.path eq "/b"', HOST)).toMatchObject({
      ok: true,
      matches: [],
    });
    expect(
      matches(
        '(http.request.uri.path eq "/a" and http.request.method eq "GET" and http.request.method eq "POST") or http.request.uri.path eq "/c"',
      ),
    ).toEqual([{ host: HOST, path: { type: "Exact", value: "/c" } }]);
    expect(refusal('starts_with(http.request.uri.path, "/a") and ends_with(http.request.uri.path, ".json")').reason).toMatch(
      /one test per field/,
    );
  });

  it("knows a header Cloudflare names in capitals is never present", ({ expect }) => {
    expect(translateCondition('http.request.headers["X-Tester"][0] eq "yes"', HOST)).toMatchObject({
      ok: true,
      matches: [],
      never: expect.stringMatching(/lower case/),
    });
  });

  it("refuses a condition that expands past 64 matches", ({ expect }) => {
    const countries = Array.from({ length: 20 }, (_, i) => `"${String.fromCharCode(65 + i)}X"`).join(" ");
    expect(refusal(`ip.src.country in {${countries}} and http.request.method in {"GET" "HEAD" "POST" "PUT"}`).reason).toMatch(/64/);
  });
});

describe("approximations, reported", () => {
  it('takes eq "/x" or starts_with(…, "/x/") as the whole-segment PathPrefix "/x" exactly, and starts_with(…, "/x/") alone with a note', ({
    expect,
  }) => {
    expect(translateCondition('http.request.uri.path eq "/blog" or starts_with(http.request.uri.path, "/blog/")', HOST)).toEqual({
      ok: true,
      matches: [{ host: HOST, path: { type: "PathPrefix", value: "/blog" } }],
      notes: [],
    });
    const alone = translateCondition('starts_with(http.request.uri.path, "/blog/")', HOST);
    expect(alone).toMatchObject({
      ok: true,
      matches: [{ path: { type: "PathPrefix", value: "/blog/" } }],
      notes: [{ reason: expect.stringMatching(/also matches "\/blog" itself/) }],
    });
    // Not on a segment boundary: a pattern, exact.
    const apix = pathPattern('starts_with(http.request.uri.path, "/api")');
    expect(["/api", "/apix", "/ap"].map(apix)).toEqual([true, true, false]);
  });

  it("reads a whole query string compared with eq as one Exact match per parameter, noting that others may be present", ({ expect }) => {
    const t = translateCondition('http.request.uri.query eq "a=1&b=red+apples"', HOST);
    expect(t).toMatchObject({
      ok: true,
      matches: [
        {
          queryParams: [
            { name: "a", type: "Exact", value: "1" },
            { name: "b", type: "Exact", value: "red apples" },
          ],
        },
      ],
      notes: [{ reason: expect.stringMatching(/other parameters/) }],
    });
  });
});

describe("printing matches back as a condition", () => {
  it("reads back every kind of match as the same match", ({ expect }) => {
    const cases: RouteMatch[][] = [
      [{ host: HOST, path: { type: "PathPrefix", value: "/api" } }],
      [{ host: HOST, path: { type: "Exact", value: '/say "hi"' }, method: "POST" }],
      [
        { host: HOST, path: { type: "RegularExpression", value: "/v[0-9]+/.*" } },
        { host: HOST, path: { type: "RegularExpression", value: "a|b" } },
      ],
      [
        {
          host: HOST,
          headers: [
            { name: "X-Tester", type: "Exact", value: "yes" },
            { name: "cf-ipcountry", type: "RegularExpression", value: "D[EK]" },
          ],
        },
      ],
      [
        {
          host: HOST,
          queryParams: [
            { name: "q", type: "Exact", value: "red apples & pears" },
            { name: "v", type: "RegularExpression", value: "[0-9]+" },
          ],
        },
      ],
      [
        { host: HOST, path: { type: "PathPrefix", value: "/shop/" }, method: "GET" },
        { host: HOST, path: { type: "Exact", value: "/" } },
      ],
    ];
    for (const ms of cases) {
      const back = matches(printMatches(ms));
      expect(back.map(matchKey).sort(), printMatches(ms)).toEqual(ms.map(matchKey).sort());
    }
    expect(printMatches([{ host: HOST, path: { type: "PathPrefix", value: "/api" } }])).toBe(
      'http.request.uri.path eq "/api" or starts_with(http.request.uri.path, "/api/")',
    );
  });
});

describe("regular expressions between a search and a whole-value match", () => {
  const search = (pattern: string, text: string): boolean => RE2JS.compile(pattern).matcher(text).find();
  const piece = fc.constantFrom("a", "b", "ab", ".", "a*", "b+", "[ab]", "(a|b)", "(?:ab)?", "^", "$", "\\.", "|");
  const pattern = fc.array(piece, { maxLength: 5 }).map((p) => p.join(""));
  const text = fc.string({ unit: fc.constantFrom("a", "b", "."), maxLength: 6 });

  it("a Cloudflare pattern matches, as a whole value, exactly the texts it finds", () => {
    fc.assert(fc.property(pattern, text, (p, t) => compileRegex(partialToWhole(p)).test(t) === search(p, t)));
  });

  it("an Edgeway pattern finds, as a search, exactly the texts it matches whole", () => {
    fc.assert(fc.property(pattern.map(partialToWhole), text, (w, t) => search(wholeToPartial(w), t) === compileRegex(w).test(t)));
  });

  it("the complement of a text holds for every other text, and of a prefix for every text not starting with it", () => {
    const word = fc.string({ unit: fc.constantFrom("a", "b", "/", "]", "^"), maxLength: 4 });
    fc.assert(
      fc.property(
        word,
        word,
        (v, t) =>
          compileRegex(complementOf(v, false)).test(t) === (t !== v) && compileRegex(complementOf(v, true)).test(t) === !t.startsWith(v),
      ),
    );
  });

  it("keeps simple patterns readable", ({ expect }) => {
    expect(partialToWhole("^/api/")).toBe("/api/.*");
    expect(partialToWhole("\\.json$")).toBe(".*\\.json");
    expect(partialToWhole("^(?:a|b)$")).toBe("a|b");
    expect(wholeToPartial("/api/.*")).toBe("^/api/");
    expect(wholeToPartial(".*x=1.*")).toBe("x=1");
  });
});
