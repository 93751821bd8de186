/** W3C trace context rules and request id validation (pure). */
import { describe, expect, it } from "vitest";
import { formatTraceparent, NEW_TRACE_FLAGS, newTrace, parseTraceparent } from "../../src/routing/trace-context.ts";
import { isValidRequestId } from "../../src/routing/request-id.ts";
import { isWebSocketUpgrade } from "../../src/routing/upgrade.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";
const VALID = `00-${TRACE}-${SPAN}-01`;

describe("parseTraceparent", () => {
  it("keeps the trace id and flags of a valid version 00 header", () => {
    expect(parseTraceparent(VALID)).toEqual({ traceId: TRACE, flags: "01" });
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-00`)).toEqual({ traceId: TRACE, flags: "00" });
    expect(parseTraceparent(`  ${VALID} `)).toEqual({ traceId: TRACE, flags: "01" });
  });

  it("reads what version 00 defines from a later version, extra fields included", () => {
    expect(parseTraceparent(`cc-${TRACE}-${SPAN}-01`)).toEqual({ traceId: TRACE, flags: "01" });
    expect(parseTraceparent(`cc-${TRACE}-${SPAN}-01-what-comes-next`)).toEqual({ traceId: TRACE, flags: "01" });
    expect(parseTraceparent(`cc-${TRACE}-${SPAN}-01x`)).toBeUndefined();
  });

  it.each([
    ["absent", null],
    ["empty", ""],
    ["version ff", `ff-${TRACE}-${SPAN}-01`],
    ["version 00 with more after it", `${VALID}-extra`],
    ["upper-case hex", `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ["all-zero trace id", `00-${"0".repeat(32)}-${SPAN}-01`],
    ["all-zero parent id", `00-${TRACE}-${"0".repeat(16)}-01`],
    ["short trace id", `00-${TRACE.slice(1)}-${SPAN}-01`],
    ["wrong separators", `00_${TRACE}_${SPAN}_01`],
    ["non-hex flags", `00-${TRACE}-${SPAN}-0g`],
    ["a line break", `00-${TRACE}-${SPAN}-0\n`],
  ])("refuses %s", (_, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });
});

describe("formatTraceparent / newTrace", () => {
  it("continues a trace with a new parent id, version 00, flags kept", () => {
    const trace = parseTraceparent(`00-${TRACE}-${SPAN}-00`);
    if (trace === undefined) throw new Error("expected a valid traceparent");
    const next = formatTraceparent(trace, "a1b2c3d4e5f60718");
    expect(next).toBe(`00-${TRACE}-a1b2c3d4e5f60718-00`);
    expect(parseTraceparent(next)).toEqual(trace);
  });

  it("starts a sampled trace", () => {
    const trace = newTrace("0123456789abcdef0123456789abcdef");
    expect(trace.flags).toBe(NEW_TRACE_FLAGS);
    expect(parseTraceparent(formatTraceparent(trace, SPAN))).toEqual({ traceId: "0123456789abcdef0123456789abcdef", flags: "01" });
  });
});

describe("isValidRequestId", () => {
  it.each(["abc", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "a/b+c=", "x".repeat(128), "svc:req@1.2"])(
    "keeps %s",
    (id) => {
      expect(isValidRequestId(id)).toBe(true);
    },
  );
  it.each(["", "x".repeat(129), "has space", 'quote"', "line\nbreak", "tab\t", "ünïcode", "semi;colon", "comma,"])("replaces %j", (id) => {
    expect(isValidRequestId(id)).toBe(false);
  });
});

describe("isWebSocketUpgrade", () => {
  const upgrade = (value: string | undefined, method = "GET"): boolean =>
    isWebSocketUpgrade(method, new Headers(value === undefined ? {} : { upgrade: value }));
  it("recognises a GET asking for websocket, in any case and in a list", () => {
    expect(upgrade("websocket")).toBe(true);
    expect(upgrade("WebSocket")).toBe(true);
    expect(upgrade("h2c, websocket")).toBe(true);
  });
  it("refuses other methods, other protocols and no Upgrade", () => {
    expect(upgrade("websocket", "POST")).toBe(false);
    expect(upgrade("h2c")).toBe(false);
    expect(upgrade("websockets")).toBe(false);
    expect(upgrade(undefined)).toBe(false);
  });
});
