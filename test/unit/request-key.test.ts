import { describe, expect, it } from "vitest";
import { parseCookies, requestHashKey } from "../../src/routing/request-key.ts";

function request(headers: Record<string, string> = {}): Request {
  return new Request("https://example.com/path", { headers });
}

describe("parseCookies", () => {
  it("reads several cookies, trimming around names and values", () => {
    const cookies = parseCookies("a=1; b=two;c=3 ;  d = 4");
    expect([...cookies]).toEqual([
      ["a", "1"],
      ["b", "two"],
      ["c", "3"],
      ["d", "4"],
    ]);
  });

  it("strips the double quotes around a quoted value", () => {
    expect(parseCookies('sid="abc 123"; x=""').get("sid")).toBe("abc 123");
    expect(parseCookies('x=""').get("x")).toBe("");
    expect(parseCookies('x="').get("x"), "a lone quote is the value").toBe('"');
  });

  it("keeps the first occurrence of a repeated name", () => {
    expect(parseCookies("sid=first; other=1; sid=second").get("sid")).toBe("first");
  });

  it("splits at the first '=' only, so values may contain '='", () => {
    expect(parseCookies("token=a=b==").get("token")).toBe("a=b==");
  });

  it("skips pairs without '=' or without a name, and empty pieces", () => {
    expect([...parseCookies("flag; =orphan; ;; ok=1;")]).toEqual([["ok", "1"]]);
  });

  it("gives an empty map for a missing or empty header", () => {
    expect(parseCookies(null).size).toBe(0);
    expect(parseCookies("").size).toBe(0);
  });
});

describe("requestHashKey", () => {
  it("{ header } gives the header's value, matched case-insensitively", () => {
    expect(requestHashKey(request({ "X-User": "alice" }), { header: "x-user" }, "203.0.113.7")).toBe("alice");
  });

  it("{ header } gives undefined when the header is missing or empty", () => {
    expect(requestHashKey(request(), { header: "x-user" }, "203.0.113.7")).toBeUndefined();
    expect(requestHashKey(request({ "x-user": "" }), { header: "x-user" }, "203.0.113.7")).toBeUndefined();
  });

  it("{ cookie } finds the named cookie among several", () => {
    const req = request({ cookie: "theme=dark; sid=s-42; lang=en" });
    expect(requestHashKey(req, { cookie: "sid" }, undefined)).toBe("s-42");
  });

  it("{ cookie } strips quotes and takes the first occurrence", () => {
    expect(requestHashKey(request({ cookie: 'sid="quoted"' }), { cookie: "sid" }, undefined)).toBe("quoted");
    expect(requestHashKey(request({ cookie: "sid=first; sid=second" }), { cookie: "sid" }, undefined)).toBe("first");
  });

  it("{ cookie } is case-sensitive in the name and undefined when missing or empty", () => {
    expect(requestHashKey(request({ cookie: "SID=upper" }), { cookie: "sid" }, undefined)).toBeUndefined();
    expect(requestHashKey(request({ cookie: "other=1" }), { cookie: "sid" }, undefined)).toBeUndefined();
    expect(requestHashKey(request({ cookie: "sid=" }), { cookie: "sid" }, undefined)).toBeUndefined();
    expect(requestHashKey(request(), { cookie: "sid" }, "203.0.113.7")).toBeUndefined();
  });

  it("{ source: ip } gives the client IP, undefined when unknown", () => {
    expect(requestHashKey(request({ "x-user": "alice" }), { source: "ip" }, "2001:db8::1")).toBe("2001:db8::1");
    expect(requestHashKey(request(), { source: "ip" }, undefined)).toBeUndefined();
    expect(requestHashKey(request(), { source: "ip" }, "")).toBeUndefined();
  });
});
