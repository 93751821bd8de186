/**
 * The Rules language parser behind `import --from cloudflare`'s load balancing rules:
 * tokens, the precedence of not / and / xor / or, parentheses, errors that point at the
 * part that could not be read, and every expression quoted from Cloudflare's documentation
 * (load balancing rules, the Rules language's operators, values and fields pages).
 */
import { describe, it } from "vitest";
import { tokenize } from "../../scripts/lib/import/cloudflare-rules/lexer.ts";
import { parseCondition, RulesSyntaxError } from "../../scripts/lib/import/cloudflare-rules/parser.ts";
import type { Expression } from "../../scripts/lib/import/cloudflare-rules/parser.ts";

/** A compact picture of a tree: and(a, b), not(x), path eq "/x", starts_with(path, "/x"). */
function shape(e: Expression): string {
  switch (e.kind) {
    case "or":
    case "xor":
    case "and":
      return `${e.kind}(${e.items.map(shape).join(", ")})`;
    case "not":
      return `not(${shape(e.arg)})`;
    case "compare": {
      const rhs = e.rhs.kind === "string" ? JSON.stringify(e.rhs.value) : e.rhs.kind === "word" ? e.rhs.text : e.rhs.kind;
      return `${operand(e.lhs)} ${e.op} ${rhs}`;
    }
    case "operand":
      return operand(e.operand);
    case "literal":
      return e.value.kind === "string" ? JSON.stringify(e.value.value) : e.value.kind;
  }
}

function operand(o: Extract<Expression, { kind: "compare" }>["lhs"]): string {
  const indexes = o.indexes
    .map((i) => (i.kind === "key" ? `[${JSON.stringify(i.key)}]` : i.kind === "each" ? "[*]" : `[${i.position}]`))
    .join("");
  const name = o.name.replace(/^http\.request\.uri\./, "").replace(/^http\.request\./, "");
  return o.kind === "call" ? `${name}(${o.args.map(shape).join(", ")})${indexes}` : `${name}${indexes}`;
}

function syntaxError(source: string): { message: string; start: number; end: number } {
  try {
    parseCondition(source);
  } catch (error) {
    if (error instanceof RulesSyntaxError) return { message: error.message, start: error.span.start, end: error.span.end };
    throw error;
  }
  throw new Error(`${source} parsed`);
}

describe("tokens", () => {
  it("reads words, punctuation and strings with their places", ({ expect }) => {
    const tokens = tokenize('http.request.uri.path eq "/x" && !ssl');
    expect(tokens.map((t) => [t.kind, t.start, t.end])).toEqual([
      ["word", 0, 21],
      ["word", 22, 24],
      ["string", 25, 29],
      ["punct", 30, 32],
      ["punct", 33, 34],
      ["word", 34, 37],
      ["end", 37, 37],
    ]);
  });

  it('decodes the escapes of a quoted string: \\" \\\\ \\xHH and \\OOO', ({ expect }) => {
    const [token] = tokenize('"a\\"b\\\\c\\x41\\101\\303\\251"');
    expect(token).toMatchObject({ kind: "string", value: 'a"b\\cAAé', raw: false });
  });

  it("reads raw strings with and without #, whatever they hold", ({ expect }) => {
    expect(tokenize('r"a\\b"')[0]).toMatchObject({ value: "a\\b", raw: true });
    expect(tokenize('r#"a"b"#')[0]).toMatchObject({ value: 'a"b', raw: true });
    expect(tokenize('r##"a"#b"##')[0]).toMatchObject({ value: 'a"#b', raw: true });
  });

  it('lexes a quoted pattern after matches or ~ as Cloudflare does: escapes kept, \\" unescaped, a quote inside […] held', ({ expect }) => {
    expect(tokenize('p matches "a\\"b\\.c"')[2]).toMatchObject({ value: 'a"b\\.c', regex: true });
    expect(tokenize('p ~ "[a"]b"')[2]).toMatchObject({ value: '[a"]b', regex: true });
    // The same text elsewhere is a plain string: \. is not an escape a quoted string takes.
    expect(() => tokenize('p contains "b\\.c"')).toThrow(/escape/);
  });

  it("refuses broken strings and stray characters with their place", ({ expect }) => {
    expect(syntaxError('http.host eq "abc')).toEqual({ message: "a string with no closing quote", start: 13, end: 17 });
    expect(syntaxError('http.host eq "a\\nb"')).toMatchObject({ message: expect.stringMatching(/escape/), start: 15, end: 17 });
    expect(syntaxError('http.host eq "\\xff"')).toMatchObject({ message: expect.stringMatching(/UTF-8/) });
    expect(syntaxError('http.host eq r#"abc"')).toMatchObject({ message: expect.stringMatching(/closing "#/), start: 13 });
    expect(syntaxError("http.host @ x")).toEqual({ message: 'unexpected character "@"', start: 10, end: 11 });
  });
});

describe("grammar", () => {
  it("binds not tighter than and, and tighter than xor, xor tighter than or", ({ expect }) => {
    expect(shape(parseCondition("a and b or c"))).toBe("or(and(a, b), c)");
    expect(shape(parseCondition("a or b and c"))).toBe("or(a, and(b, c))");
    expect(shape(parseCondition("not a and b"))).toBe("and(not(a), b)");
    expect(shape(parseCondition("a or b xor c and d"))).toBe("or(a, xor(b, and(c, d)))");
    expect(shape(parseCondition("a && b || !c"))).toBe("or(and(a, b), not(c))");
    expect(shape(parseCondition("a and b and c or d or e"))).toBe("or(and(a, b, c), d, e)");
  });

  it("lets parentheses override precedence and nest", ({ expect }) => {
    expect(shape(parseCondition("a and (b or c)"))).toBe("and(a, or(b, c))");
    expect(shape(parseCondition("not (a or b)"))).toBe("not(or(a, b))");
    expect(shape(parseCondition("((a)) and ((b or (c and d)))"))).toBe("and(a, or(b, and(c, d)))");
  });

  it("negates a whole comparison: not field eq value is not (field eq value)", ({ expect }) => {
    expect(shape(parseCondition('not http.request.uri.path eq "/x"'))).toBe('not(path eq "/x")');
    expect(shape(parseCondition('! http.request.method in {"GET" "HEAD"}'))).toBe("not(method in set)");
  });

  it("spans each node over its text", ({ expect }) => {
    const source = 'http.host eq "a.example.com" and starts_with(http.request.uri.path, "/x/")';
    const tree = parseCondition(source);
    if (tree.kind !== "and") throw new Error(tree.kind);
    expect(tree.items.map((i) => source.slice(i.start, i.end))).toEqual([
      'http.host eq "a.example.com"',
      'starts_with(http.request.uri.path, "/x/")',
    ]);
  });

  it("refuses malformed conditions naming the place", ({ expect }) => {
    expect(syntaxError('http.request.uri.path eq "/x" and')).toMatchObject({
      start: 33,
      end: 33,
      message: expect.stringMatching(/expected a field/),
    });
    expect(syntaxError('(http.request.uri.path eq "/x"')).toMatchObject({ start: 30, message: "expected a closing parenthesis" });
    expect(syntaxError('http.request.uri.path eq "/x" AND http.host eq "a"')).toMatchObject({ start: 30, end: 33 });
    expect(syntaxError("http.request.uri.path eq")).toMatchObject({ message: expect.stringMatching(/expected a value/) });
    expect(syntaxError('starts_with(http.request.uri.path "/x")')).toMatchObject({ message: expect.stringMatching(/comma or a closing/) });
    expect(syntaxError('http.request.headers[x] eq "y"')).toMatchObject({ start: 21, end: 22 });
    expect(syntaxError("ip.src in {1.2.3.4")).toMatchObject({ message: "a set with no closing }", start: 10 });
    expect(syntaxError('http.request.uri.path strict "x"')).toMatchObject({ message: 'expected "strict wildcard"' });
  });
});

/** Expressions quoted from Cloudflare's documentation, and how they parse. */
const DOCS: readonly (readonly [string, string])[] = [
  // Load balancing rules: expressions, create-rules, the API's example.
  ['(http.request.uri.path contains "/content")', 'path contains "/content"'],
  [
    '(http.request.uri.path contains "/content")\nand (http.request.uri.query contains "webserver")',
    'and(path contains "/content", query contains "webserver")',
  ],
  ['http.request.uri.path contains "/testing"', 'path contains "/testing"'],
  ['http.request.uri.path contains "/blog"', 'path contains "/blog"'],
  // Rules language: comparison operators.
  ['http.request.uri.path eq "/articles/2008/"', 'path eq "/articles/2008/"'],
  ["ip.src ne 203.0.113.0", "ip.src ne 203.0.113.0"],
  ["cf.threat_score lt 10", "cf.threat_score lt 10"],
  ["cf.threat_score le 20", "cf.threat_score le 20"],
  ["cf.threat_score gt 25", "cf.threat_score gt 25"],
  ["cf.threat_score ge 60", "cf.threat_score ge 60"],
  ['http.request.uri.path contains "/articles/"', 'path contains "/articles/"'],
  ['http.request.uri.path matches "^/articles/200[7-8]/$"', 'path matches "^/articles/200[7-8]/$"'],
  ["ip.src in { 203.0.113.0 203.0.113.1 }", "ip.src in set"],
  ['ends_with(http.request.uri.path, ".html")', 'ends_with(path, ".html")'],
  ['lower(http.request.uri.path) contains "/wp-login.php"', 'lower(path) contains "/wp-login.php"'],
  ['http.request.full_uri wildcard "https://example.com/a/*"', 'full_uri wildcard "https://example.com/a/*"'],
  [
    'http.request.full_uri wildcard "*.example.com/*" or http.request.full_uri wildcard "example.com/*"',
    'or(full_uri wildcard "*.example.com/*", full_uri wildcard "example.com/*")',
  ],
  // Rules language: logical operators and grouping.
  [
    'not ( http.host eq "www.cloudflare.com" and ip.src in {203.0.113.0/24} )',
    'not(and(http.host eq "www.cloudflare.com", ip.src in set))',
  ],
  ['http.host eq "www.cloudflare.com" xor ip.src in {203.0.113.0/24}', 'xor(http.host eq "www.cloudflare.com", ip.src in set)'],
  ['http.host eq "www.cloudflare.com" or ip.src in 203.0.113.0/24', 'or(http.host eq "www.cloudflare.com", ip.src in 203.0.113.0/24)'],
  [
    '(\n (http.host eq "api.example.com" and http.request.uri.path eq "/api/v2/auth") or\n (http.host matches "^(www|store|blog)\\.example\\.com" and http.request.uri.path contains "wp-login.php") or\n ip.geoip.country in {"CN" "TH" "US" "ID" "KR" "MY" "IT" "SG" "GB"} or ip.geoip.asnum in {12345 54321 11111}\n) and not ip.src in {11.22.33.0/24}',
    'and(or(and(http.host eq "api.example.com", path eq "/api/v2/auth"), and(http.host matches "^(www|store|blog)\\\\.example\\\\.com", path contains "wp-login.php"), ip.geoip.country in set, ip.geoip.asnum in set), not(ip.src in set))',
  ],
  // Rules language: values, arrays, maps, lists.
  ['http.request.uri.path matches "a\\"b"', 'path matches "a\\"b"'],
  ['http.request.uri.path matches "a\\"#b"', 'path matches "a\\"#b"'],
  ['http.request.uri.path matches r#"a"b"#', 'path matches "a\\"b"'],
  ['http.request.uri.path matches r##"a"#b"##', 'path matches "a\\"#b"'],
  ['http.request.uri.path matches r"/api/login\\.aspx$"', 'path matches "/api/login\\\\.aspx$"'],
  ["ssl", "ssl"],
  ["not ssl", "not(ssl)"],
  ['http.request.headers.names[0] == "Content-Type"', 'headers.names[0] eq "Content-Type"'],
  ['any(http.request.headers.names[*] == "Content-Type")', 'any(headers.names[*] eq "Content-Type")'],
  ['any(lower(http.request.headers.names[*])[*] == "content-type")', 'any(lower(headers.names[*])[*] eq "content-type")'],
  ['any(http.request.headers["accept"][*] == "application/json")', 'any(headers["accept"][*] eq "application/json")'],
  ['any(http.request.headers["content-type"][*] == "application/json")', 'any(headers["content-type"][*] eq "application/json")'],
  ['any(http.request.uri.args["search"][*] == "red+apples")', 'any(args["search"][*] eq "red+apples")'],
  ['any(http.request.uri.args.names[*] == "search")', 'any(args.names[*] eq "search")'],
  ['all(len(http.request.uri.args["filter"][*])[*] in {3 4})', 'all(len(args["filter"][*])[*] in set)'],
  ['len(http.request.uri.args["filter"]) >= 0', 'len(args["filter"]) ge 0'],
  ['not len(http.request.uri.args["order"]) >= 0', 'not(len(args["order"]) ge 0)'],
  ['http.host in {"example.com" "example.net"}', "http.host in set"],
  ["ip.src in {198.51.100.1 198.51.100.3..198.51.100.7 192.0.2.0/24 2001:0db8::/32}", "ip.src in set"],
  ["tcp.dstport in {8000..8009 8080..8089}", "tcp.dstport in set"],
  ["(ip.src in $office_network)", "ip.src in list"],
];

describe("the examples in Cloudflare's documentation", () => {
  it.for(DOCS)("parses %s", ([source, expected], { expect }) => {
    expect(shape(parseCondition(source))).toBe(expected);
  });

  it("refuses what the documentation calls invalid: ends_with as an operator", ({ expect }) => {
    expect(syntaxError('http.request.uri.path ends_with ".html"')).toMatchObject({ start: 22, end: 31 });
  });
});
