import { describe, expect, it } from "vitest";
import { bytes, chunkedInit, dead, echo, errorBody, fail, ok, run, summary, useTestOrigins } from "./helpers/test-origins.ts";

useTestOrigins();

describe("proxyRequest: methods and bodies", () => {
  it("does not retry a POST by default, and says so", async () => {
    const { result, outcomes, text } = await run([fail, ok], { init: { method: "POST", body: "order=1" } });
    expect(result.response.status).toBe(503);
    expect(text).toBe("fail is unavailable");
    expect(ok.hits).toBe(0);
    expect(new TextDecoder().decode(fail.bodies[0])).toBe("order=1");
    expect(summary(outcomes)).toEqual(["fail:response:503"]);
    expect(result.retrySkipped).toBe("method");
    expect(result.response.headers.get("x-edgeway-retry-skipped")).toBe("method");
    expect(result.response.headers.get("x-edgeway-tries")).toBeNull();
  });

  it("names the method in Edgeway's own error when a POST cannot connect", async () => {
    const { result, text } = await run([dead, ok], { init: { method: "POST", body: "x" } });
    expect(result.response.status).toBe(502);
    expect(result.response.headers.get("x-edgeway-retry-skipped")).toBe("method");
    expect((await errorBody(result, text)).error).toBe(
      `could not connect to origin "dead" (not retried: retries.methods does not include POST)`,
    );
  });

  it("retries a POST when retries.methods includes it, with the same body", async () => {
    const {
      result,
      bytes: got,
      outcomes,
    } = await run([fail, echo], { init: { method: "POST", body: "order=2" }, route: { retries: { methods: ["GET", "POST"] } } });
    expect(result.response.status).toBe(200);
    expect(result.response.headers.get("x-method")).toBe("POST");
    expect(new TextDecoder().decode(got)).toBe("order=2");
    expect(summary(outcomes)).toEqual(["fail:response:503:retried", "echo:response:200"]);
  });

  it("does not retry a GET the route's methods leave out", async () => {
    const { result } = await run([fail, ok], { route: { retries: { methods: ["PUT"] } } });
    expect(result.response.status).toBe(503);
    expect(result.retrySkipped).toBe("method");
  });

  it("replays a PUT body byte for byte on the retry", async () => {
    const data = bytes(20_000);
    const { result, bytes: got } = await run([fail, echo], {
      init: { method: "PUT", body: data, headers: { "content-length": String(data.byteLength) } },
    });
    expect(result.response.status).toBe(200);
    expect(result.response.headers.get("x-method")).toBe("PUT");
    expect(fail.bodies[0]).toEqual(data);
    expect(got).toEqual(data);
  });

  it("replays a chunked PUT body under the limit", async () => {
    const data = bytes(20_000, 2);
    const { result, bytes: got } = await run([dead, echo], { init: chunkedInit("PUT", data) });
    expect(result.response.status).toBe(200);
    expect(got).toEqual(data);
  });

  it("forwards the X-Forwarded-* fields", async () => {
    const { result } = await run([echo]);
    expect(result.response.headers.get("x-seen-forwarded-host")).toBe("edge.test");
  });

  it("sends a body over maxBodyBytes once, in full, and says why it was not retried", async () => {
    const data = bytes(5_000, 3);
    const { result, outcomes } = await run([fail, echo], {
      init: { method: "PUT", body: data, headers: { "content-length": "5000" } },
      route: { retries: { maxBodyBytes: 1024 } },
    });
    expect(result.response.status).toBe(503);
    expect(summary(outcomes)).toEqual(["fail:response:503"]);
    expect(result.tries).toBe(1);
    expect(echo.hits).toBe(0);
    expect(fail.bodies[0]).toEqual(data);
    expect(result.retrySkipped).toBe("body-too-large");
    expect(result.response.headers.get("x-edgeway-retry-skipped")).toBe("body-too-large");
  });

  it("sends a chunked body over maxBodyBytes once, every byte in order", async () => {
    const data = bytes(12_345, 4);
    const { result } = await run([fail, echo], { init: chunkedInit("PUT", data), route: { retries: { maxBodyBytes: 1024 } } });
    expect(result.response.status).toBe(503);
    expect(echo.hits).toBe(0);
    expect(fail.bodies[0]?.byteLength).toBe(12_345);
    expect(fail.bodies[0]).toEqual(data);
    expect(result.response.headers.get("x-edgeway-retry-skipped")).toBe("body-too-large");
  });

  it("a large body still reaches a healthy origin, and nothing is reported as skipped", async () => {
    const data = bytes(8_000, 5);
    const { result, bytes: got } = await run([echo, ok], { init: chunkedInit("PUT", data), route: { retries: { maxBodyBytes: 100 } } });
    expect(result.response.status).toBe(200);
    expect(got).toEqual(data);
    expect(result.retrySkipped).toBeUndefined();
    expect(result.response.headers.get("x-edgeway-retry-skipped")).toBeNull();
  });

  it("explains an unretried connect failure of a large body in Edgeway's error", async () => {
    const data = bytes(3_000);
    const { result, text } = await run([dead, ok], {
      init: { method: "PUT", body: data, headers: { "content-length": "3000" } },
      route: { retries: { maxBodyBytes: 100 } },
    });
    expect(result.response.status).toBe(502);
    expect(result.response.headers.get("x-edgeway-retry-skipped")).toBe("body-too-large");
    expect((await errorBody(result, text)).error).toBe(
      `could not connect to origin "dead" (not retried: the request body is larger than retries.maxBodyBytes)`,
    );
    expect(ok.hits).toBe(0);
  });
});
