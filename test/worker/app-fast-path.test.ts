/** Which requests skip the router: never one the admin API or the Consul surface might answer. */
import { describe, expect, it } from "vitest";
import { isDataPlaneFastPath } from "../../src/app.ts";

describe("isDataPlaneFastPath", () => {
  it("sends /_edgeway/, percent-encoded and /v… paths (the Consul surface) through the router", () => {
    expect(isDataPlaneFastPath(new Request("http://a.test/shop/cart"))).toBe(true);
    expect(isDataPlaneFastPath(new Request("http://a.test/_edgeway/health"))).toBe(false);
    expect(isDataPlaneFastPath(new Request("http://a.test/%5Fedgeway/health"))).toBe(false);
    expect(isDataPlaneFastPath(new Request("http://a.test/v1/agent/services"))).toBe(false);
    expect(isDataPlaneFastPath(new Request("http://a.test/shop", { method: "HEAD" }))).toBe(false);
  });
});
