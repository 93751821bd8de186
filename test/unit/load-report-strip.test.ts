/** The origin's load report never reaches the client: which responses carry one, and its removal. */
import { describe, expect, it } from "vitest";
import { hasLoadReport, stripLoadReport } from "../../src/proxy/headers.ts";

describe("load report headers", () => {
  it("finds the TEXT/JSON header and the binary one, in any case", () => {
    expect(hasLoadReport(new Headers({ "Endpoint-Load-Metrics": "TEXT cpu_utilization=0.3" }))).toBe(true);
    expect(hasLoadReport(new Headers({ "endpoint-load-metrics-bin": "CgQIARAB" }))).toBe(true);
    expect(hasLoadReport(new Headers({ "x-endpoint-load-metrics": "TEXT cpu_utilization=0.3", "content-type": "text/plain" }))).toBe(false);
  });

  it("removes both and leaves every other field", () => {
    const headers = new Headers({
      "endpoint-load-metrics": "TEXT cpu_utilization=0.3",
      "endpoint-load-metrics-bin": "CgQIARAB",
      "content-type": "application/json",
      "x-origin-id": "a",
    });
    stripLoadReport(headers);
    expect([...headers.keys()].sort()).toEqual(["content-type", "x-origin-id"]);
  });
});
