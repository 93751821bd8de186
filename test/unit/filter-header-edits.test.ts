/** Header edits (RequestHeaderModifier, ResponseHeaderModifier): set, add (appended, joined by ", "), remove; on the origin's headers in the one copy, and per try for a pool, put back after. */
import { describe, expect, it } from "vitest";
import type { Filter, PoolFilter } from "../../src/config/filter-schema.ts";
import { parseOriginBase } from "../../src/config/origin-url.ts";
import { originTarget } from "../../src/config/origin-host.ts";
import { applyHeaderEdits, compileHeaderEdits, filterEdits, poolFilterEdits } from "../../src/proxy/header-edits.ts";
import { originRequestHeaders } from "../../src/proxy/headers.ts";
import type { OriginExtras } from "../../src/proxy/origin-extras.ts";
import { dressTry } from "../../src/proxy/try-dress.ts";

const EDITS = compileHeaderEdits({
  set: [{ name: "X-Header-Set", value: "set-overwrites-values" }],
  add: [{ name: "X-Header-Add", value: "add-appends-values" }],
  remove: ["X-Header-Remove"],
});

describe("compileHeaderEdits", () => {
  it("lower-cases names and keeps values as given", () => {
    expect(EDITS).toEqual({
      set: [["x-header-set", "set-overwrites-values"]],
      add: [["x-header-add", "add-appends-values"]],
      remove: ["x-header-remove"],
    });
  });
});

describe("applyHeaderEdits", () => {
  // Gateway API conformance, HTTPRouteRequestHeaderModifier: the request carries each header already.
  it("set replaces, add appends to the value there, remove deletes", () => {
    const headers = new Headers({
      "x-header-set": "some-other-value",
      "x-header-add": "request-val",
      "x-header-remove": "gone",
      keep: "1",
    });
    applyHeaderEdits(headers, EDITS);
    expect(headers.get("x-header-set")).toBe("set-overwrites-values");
    expect(headers.get("x-header-add")).toBe("request-val, add-appends-values");
    expect(headers.has("x-header-remove")).toBe(false);
    expect(headers.get("keep")).toBe("1");
  });

  it("set and add create a header that was absent; removing an absent header is nothing", () => {
    const headers = new Headers();
    applyHeaderEdits(headers, EDITS);
    expect([...headers]).toEqual([
      ["x-header-add", "add-appends-values"],
      ["x-header-set", "set-overwrites-values"],
    ]);
  });

  it("add keeps a response's Set-Cookie fields apart", () => {
    const headers = new Headers([["set-cookie", "a=1"]]);
    applyHeaderEdits(headers, compileHeaderEdits({ add: [{ name: "Set-Cookie", value: "b=2" }] }));
    expect(headers.getSetCookie()).toEqual(["a=1", "b=2"]);
  });
});

describe("filterEdits and poolFilterEdits", () => {
  const filters: Filter[] = [
    { type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "A", value: "1" }] } },
    { type: "ResponseHeaderModifier", responseHeaderModifier: { remove: ["Server"] } },
    { type: "URLRewrite", urlRewrite: { hostname: "x.example" } },
  ];

  it("takes each direction's modifiers only", () => {
    expect(filterEdits(filters, "request")).toEqual({ set: [["a", "1"]], add: [], remove: [] });
    expect(filterEdits(filters, "response")).toEqual({ set: [], add: [], remove: ["server"] });
    expect(filterEdits([filters[2] as Filter], "request")).toBeUndefined();
    expect(filterEdits(undefined, "response")).toBeUndefined();
  });

  it("maps pools to their edits, leaving out pools with none in that direction", () => {
    const poolFilters: Record<string, PoolFilter[]> = {
      blue: [{ type: "RequestHeaderModifier", requestHeaderModifier: { add: [{ name: "X-Pool", value: "blue" }] } }],
      green: [{ type: "ResponseHeaderModifier", responseHeaderModifier: { set: [{ name: "X-Served", value: "green" }] } }],
    };
    expect([...poolFilterEdits(poolFilters, "request").keys()]).toEqual(["blue"]);
    expect(poolFilterEdits(poolFilters, "response").get("green")).toEqual({ set: [["x-served", "green"]], add: [], remove: [] });
  });
});

describe("originRequestHeaders with the route's edits", () => {
  it("makes the edits on the one copy it builds, leaving the client's headers as they came", () => {
    const incoming = new Headers({ "x-header-add": "request-val", "x-header-remove": "secret", accept: "*/*" });
    const out = originRequestHeaders(incoming, { clientIp: "203.0.113.9", proto: "https", host: "app.test" }, undefined, false, EDITS);
    expect(out.get("x-header-set")).toBe("set-overwrites-values");
    expect(out.get("x-header-add")).toBe("request-val, add-appends-values");
    expect(out.has("x-header-remove")).toBe(false);
    expect(out.get("x-forwarded-host")).toBe("app.test");
    expect(incoming.get("x-header-remove")).toBe("secret");
    expect(incoming.has("x-header-set")).toBe(false);
  });

  it("without edits builds exactly what it built before", () => {
    const incoming = new Headers({ accept: "*/*" });
    const forwarded = { clientIp: "203.0.113.9", proto: "https", host: "app.test" };
    expect([...originRequestHeaders(incoming, forwarded, undefined, false, undefined)]).toEqual([
      ...originRequestHeaders(incoming, forwarded),
    ]);
  });
});

describe("a pool's edits on a try", () => {
  const request = new URL("http://app.test/items?x=1");
  const base = parseOriginBase("http://127.0.0.1:9101");

  it("are made for the try and put back after it, with the origin's own headers winning", () => {
    const headers = new Headers({ "x-pool": "client", "x-drop": "client", "x-key": "client" });
    const extras: OriginExtras = {
      headers: [["x-key", "origin-secret"]],
      target: originTarget(new URL("http://127.0.0.1:9101"), undefined),
      fetcher: undefined,
      edits: compileHeaderEdits({
        set: [{ name: "x-key", value: "from-pool" }],
        add: [{ name: "x-pool", value: "blue" }],
        remove: ["x-drop"],
      }),
    };
    const dressed = dressTry(headers, base, request, extras, undefined);
    expect(headers.get("x-pool")).toBe("client, blue");
    expect(headers.has("x-drop")).toBe(false);
    expect(headers.get("x-key")).toBe("origin-secret");
    dressed.undo?.();
    expect([...headers]).toEqual([
      ["x-drop", "client"],
      ["x-key", "client"],
      ["x-pool", "client"],
    ]);
  });

  it("a rewritten path replaces the request's, after the origin URL's path", () => {
    const dressed = dressTry(new Headers(), parseOriginBase("http://127.0.0.1:9101/base"), request, undefined, undefined, "/v2/items?x=1");
    expect(dressed.url).toBe("http://127.0.0.1:9101/base/v2/items?x=1");
  });
});
