import { env } from "cloudflare:test";
import { describe, it } from "vitest";
import example from "../../examples/multi-cloud.json";
import { admin, putConfig } from "./helpers.ts";

interface ErrorBody {
  error: string;
  code: string;
  issues?: { path: string; message: string }[];
}

describe("PUT /_edgeway/config", () => {
  it("stores a valid document and returns increasing versions", async ({ expect }) => {
    const first = await putConfig(example);
    expect(first.status).toBe(200);
    const v1 = ((await first.json()) as { version: number }).version;
    const second = await putConfig(example);
    const v2 = ((await second.json()) as { version: number }).version;
    expect(v2).toBe(v1 + 1);
    const stored = JSON.parse((await env.CONFIG.get("config")) ?? "null") as { version: number; document: unknown };
    expect(stored.version).toBe(v2);
    expect(stored.document).toEqual(example);
    expect(await env.CONFIG.get(`config:v:${v1}`)).not.toBeNull();
  });

  it("GET returns the document in force, as written, with its version", async ({ expect }) => {
    const put = await putConfig(example);
    const { version } = (await put.json()) as { version: number };
    const res = await admin("/config");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-edgeway-config-version")).toBe(String(version));
    expect(await res.json()).toEqual(example);
  });

  it("rejects an invalid document with 400 naming the field, and changes nothing", async ({ expect }) => {
    await putConfig(example);
    const before = await env.CONFIG.get("config");
    const broken = structuredClone(example);
    broken.pools[0]!.origins.push("nowhere");
    const res = await putConfig(broken);
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.code).toBe("invalid_config");
    expect(body.issues).toContainEqual({ path: "pools[0].origins[2]", message: 'unknown origin "nowhere"' });
    expect(await env.CONFIG.get("config")).toBe(before);
    expect(await (await admin("/config")).json()).toEqual(example);
  });

  it("rejects a body that is not JSON with 400", async ({ expect }) => {
    const res = await admin("/config", { method: "PUT", body: "{ not json" });
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.code).toBe("invalid_json");
    expect(body.error).toMatch(/not valid JSON/);
  });

  it("rejects a body over 1 MiB with 413", async ({ expect }) => {
    const res = await admin("/config", { method: "PUT", body: `{"pad":"${"x".repeat(1_100_000)}"}` });
    expect(res.status).toBe(413);
    expect(((await res.json()) as ErrorBody).code).toBe("body_too_large");
  });

  it("rejects wrong shapes: an array, an empty object, a string", async ({ expect }) => {
    for (const body of ["[]", "{}", '"config"', "null"]) {
      const res = await admin("/config", { method: "PUT", body });
      expect(res.status).toBe(400);
      expect(((await res.json()) as ErrorBody).issues?.length).toBeGreaterThan(0);
    }
  });
});
