/**
 * GET /_edgeway/openapi.json: a structurally valid OpenAPI 3.1 document whose every $ref
 * resolves, that needs the token, and that cannot drift from the routes either way —
 * every endpoint of the admin contract and every route the app registers is documented
 * with its method, and every documented operation is served (answers something other
 * than the catch-all 404 `not_found`). The config PUT and validate bodies reference the
 * config document schema, generated from the same zod schema the validator uses.
 */
import { exports } from "cloudflare:workers";
import { beforeAll, describe, it } from "vitest";
import { admin as adminApp } from "../../src/admin/index.ts";
import { ConfigSchema, MonitorSchema, OriginSchema, PoolSchema, RouteSchema } from "../../src/config/schema.ts";
import example from "../../examples/multi-cloud.json";
import { ADMIN_READ_TOKEN, ADMIN_TOKEN, admin, useConfig } from "./helpers.ts";

type JsonObject = Record<string, unknown>;

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

/** The admin API as issue 5's contract lists it: method and path under /_edgeway. */
const CONTRACT: readonly (readonly [string, string])[] = [
  ["put", "/config"],
  ["get", "/config"],
  ["post", "/config/validate"],
  ["get", "/config/history"],
  ["get", "/config/history/{version}"],
  ["post", "/config/rollback"],
  ["get", "/origins"],
  ["post", "/origins/{id}/drain"],
  ["post", "/origins/{id}/disable"],
  ["post", "/origins/{id}/enable"],
  ["post", "/origins/{id}/weight"],
  ["delete", "/origins/{id}/weight"],
  ["post", "/origins/{id}/health"],
  ["delete", "/origins/{id}/health"],
  ["delete", "/origins/{id}/overrides"],
  ["get", "/health"],
  ["get", "/metrics"],
  ["post", "/register"],
  ["get", "/register"],
  ["delete", "/register/{id}"],
  ["get", "/explain"],
  ["get", "/status"],
  ["get", "/audit"],
];

/** The document itself is served but not described in its own `paths`. */
const SELF = "/openapi.json";

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Resolves a local JSON pointer ("#/components/schemas/X") in the document; undefined when it does not. */
function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith("#")) return undefined;
  const pointer = decodeURIComponent(ref.slice(1));
  if (pointer === "") return doc;
  if (!pointer.startsWith("/")) return undefined;
  let node: unknown = doc;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node) && /^\d+$/.test(key)) node = node[Number(key)];
    else if (isObject(node) && Object.hasOwn(node, key)) node = node[key];
    else return undefined;
  }
  return node;
}

/** Every `$ref` in the document with where it appears. */
function refsIn(node: unknown, at = "#", out: { at: string; ref: unknown }[] = []): { at: string; ref: unknown }[] {
  if (Array.isArray(node)) for (const [i, item] of node.entries()) refsIn(item, `${at}/${i}`, out);
  else if (isObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref") out.push({ at, ref: value });
      else refsIn(value, `${at}/${key}`, out);
    }
  }
  return out;
}

/** The operations of the document as "method path". */
function operationsOf(doc: JsonObject): Map<string, JsonObject> {
  const out = new Map<string, JsonObject>();
  for (const [path, item] of Object.entries(doc.paths as JsonObject)) {
    if (!isObject(item)) continue;
    for (const method of METHODS) {
      const op = item[method];
      if (isObject(op)) out.set(`${method} ${path}`, op);
    }
  }
  return out;
}

/** Every route the admin app registers, as "method path" in OpenAPI's path syntax. */
function servedRoutes(): Set<string> {
  const out = new Set<string>();
  for (const route of adminApp.routes) {
    if (route.method === "ALL") continue; // middleware and the catch-all
    const path = route.path.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}");
    if (path === SELF) continue;
    out.add(`${route.method.toLowerCase()} ${path}`);
  }
  return out;
}

let doc: JsonObject;
let version: number;

/** Calls a documented operation with the token: path parameters filled in, a JSON body where one may go. */
async function call(
  method: string,
  path: string,
  token = ADMIN_TOKEN,
): Promise<{ status: number; code: string | undefined; text: string }> {
  const url =
    path.replace("{id}", "aws-use1").replace("{version}", String(version)) + (path === "/explain" ? "?url=http%3A%2F%2Fapp.test%2F" : "");
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  const init: RequestInit = { method: method.toUpperCase(), headers };
  if (method === "post" || method === "put") {
    init.body = "{}";
    headers["content-type"] = "application/json";
  }
  const res = await admin(url, init);
  const text = await res.text();
  let code: string | undefined;
  if ((res.headers.get("content-type") ?? "").includes("application/json")) {
    try {
      const body = JSON.parse(text) as unknown;
      if (isObject(body) && typeof body.code === "string") code = body.code;
    } catch {
      // Not an error body.
    }
  }
  return { status: res.status, code, text };
}

beforeAll(async () => {
  version = await useConfig(example);
  const res = await admin(SELF);
  if (res.status !== 200) throw new Error(`GET /_edgeway${SELF} answered ${res.status}: ${await res.text()}`);
  doc = (await res.json()) as JsonObject;
});

describe("GET /_edgeway/openapi.json", () => {
  it("needs the token: 401 without one or with a wrong one", async ({ expect }) => {
    for (const authorization of [undefined, "Bearer wrong", `Bearer ${ADMIN_TOKEN.slice(0, -1)}`]) {
      const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
      const res = await exports.default.fetch(`http://edgeway.test/_edgeway${SELF}`, { headers });
      expect(res.status, authorization ?? "no token").toBe(401);
      expect(((await res.json()) as { code: string }).code).toBe("unauthorized");
    }
  });

  it("is JSON with the OpenAPI 3.1 top level: openapi, info, servers, paths, components, security", async ({ expect }) => {
    const res = await admin(SELF);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(doc.openapi).toBe("3.1.0");
    expect(isObject(doc.info)).toBe(true);
    const info = doc.info as JsonObject;
    expect(typeof info.title).toBe("string");
    expect(typeof info.version).toBe("string");
    expect(doc.servers).toEqual([{ url: "/_edgeway" }]);
    expect(isObject(doc.paths)).toBe(true);
    expect(Object.keys(doc.paths as JsonObject).length).toBeGreaterThan(0);
    const schemes = (doc.components as JsonObject).securitySchemes as JsonObject;
    expect(schemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(schemes.basic).toMatchObject({ type: "http", scheme: "basic" });
    for (const requirement of doc.security as JsonObject[]) {
      for (const name of Object.keys(requirement)) expect(Object.keys(schemes)).toContain(name);
    }
  });

  it("every path starts with '/', every operation has responses with descriptions, every path parameter is declared", async ({
    expect,
  }) => {
    for (const [path, item] of Object.entries(doc.paths as JsonObject)) {
      expect(path.startsWith("/"), path).toBe(true);
      expect(isObject(item), path).toBe(true);
      for (const key of Object.keys(item as JsonObject))
        expect([...METHODS, "parameters", "summary", "description", "servers"], `${path}: ${key}`).toContain(key);
    }
    const ids = new Set<string>();
    for (const [name, op] of operationsOf(doc)) {
      const responses = op.responses;
      expect(isObject(responses) && Object.keys(responses).length > 0, `${name} has no responses`).toBe(true);
      for (const [status, response] of Object.entries(responses as JsonObject)) {
        expect(status, name).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
        const described = isObject(response) && (typeof response.description === "string" || typeof response.$ref === "string");
        expect(described, `${name} ${status} has no description`).toBe(true);
      }
      expect(
        Object.keys(responses as JsonObject).some((s) => s.startsWith("2")),
        `${name} documents no success`,
      ).toBe(true);
      if (typeof op.operationId === "string") {
        expect(ids.has(op.operationId), `duplicate operationId ${op.operationId}`).toBe(false);
        ids.add(op.operationId);
      }
      const path = name.slice(name.indexOf(" ") + 1);
      const params = [
        ...((((doc.paths as JsonObject)[path] as JsonObject).parameters as JsonObject[] | undefined) ?? []),
        ...((op.parameters as JsonObject[] | undefined) ?? []),
      ];
      for (const p of params) {
        expect(["query", "header", "path", "cookie"], `${name}: parameter ${JSON.stringify(p)}`).toContain(p.in);
        expect(typeof p.name, name).toBe("string");
        if (p.in === "path") expect(p.required, `${name}: path parameter ${String(p.name)} must be required`).toBe(true);
      }
      for (const [, template] of path.matchAll(/\{([^}]+)\}/g)) {
        expect(
          params.some((p) => p.in === "path" && p.name === template),
          `${name}: {${template}} is not declared as a path parameter`,
        ).toBe(true);
      }
      if (op.requestBody !== undefined) {
        const body = op.requestBody as JsonObject;
        expect(isObject(body.content) && Object.keys(body.content).length > 0, `${name}: request body without content`).toBe(true);
      }
    }
  });

  it("every $ref is local and resolves within the document", async ({ expect }) => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const { at, ref } of refs) {
      expect(typeof ref, at).toBe("string");
      expect(ref as string, at).toMatch(/^#\//);
      expect(resolvePointer(doc, ref as string), `${at}: ${String(ref)} does not resolve`).toBeDefined();
    }
  });

  it("the config PUT and validate bodies reference the config document schema, built from the validator's zod schema", async ({
    expect,
  }) => {
    const paths = doc.paths as Record<string, Record<string, JsonObject>>;
    for (const [path, method] of [
      ["/config", "put"],
      ["/config/validate", "post"],
    ] as const) {
      const body = paths[path]?.[method]?.requestBody as JsonObject | undefined;
      expect(body?.required, `${method} ${path}`).toBe(true);
      const schema = (((body?.content ?? {}) as JsonObject)["application/json"] as JsonObject).schema as JsonObject;
      expect(schema, `${method} ${path}`).toEqual({ $ref: "#/components/schemas/ConfigDocument" });
    }
    const getSchema = ((paths["/config"]?.get?.responses ?? {}) as Record<string, JsonObject>)["200"]?.content as JsonObject;
    expect(((getSchema["application/json"] as JsonObject).schema as JsonObject).$ref).toBe("#/components/schemas/ConfigDocument");

    const configDoc = resolvePointer(doc, "#/components/schemas/ConfigDocument") as JsonObject;
    expect(configDoc.type).toBe("object");
    expect(configDoc.additionalProperties).toBe(false);
    expect(Object.keys(configDoc.properties as JsonObject).sort()).toEqual(Object.keys(ConfigSchema.shape).sort());
    expect([...(configDoc.required as string[])].sort()).toEqual(["origins", "pools", "routes"]);
    const parts = { origins: OriginSchema, monitors: MonitorSchema, pools: PoolSchema, routes: RouteSchema };
    for (const [name, schema] of Object.entries(parts)) {
      let items = ((configDoc.properties as JsonObject)[name] as JsonObject).items as JsonObject;
      if (typeof items.$ref === "string") items = resolvePointer(doc, items.$ref) as JsonObject;
      expect(Object.keys(items.properties as JsonObject).sort(), name).toEqual(Object.keys(schema.shape).sort());
      expect(items.additionalProperties, name).toBe(false);
    }
  });

  it("an unknown admin path gets the catch-all 404 not_found (what the drift checks below look for)", async ({ expect }) => {
    for (const [method, path] of [
      ["get", "/no-such-endpoint"],
      ["post", "/origins/aws-use1/reboot"],
      ["patch", "/config"],
    ] as const) {
      const answer = await call(method, path);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.code, `${method} ${path}`).toBe("not_found");
    }
  });
});

describe("docs and routes cannot drift", () => {
  for (const [method, path] of CONTRACT) {
    it(`${method.toUpperCase()} ${path} (admin contract) is documented and served`, async ({ expect }) => {
      expect([...operationsOf(doc).keys()], `${method} ${path} is missing from openapi.json paths`).toContain(`${method} ${path}`);
      const answer = await call(method, path);
      expect(answer.code === "not_found" && answer.status === 404, `${method} ${path} is not served: ${answer.text.slice(0, 200)}`).toBe(
        false,
      );
    });
  }

  it("every route the admin app registers is documented with its method", async ({ expect }) => {
    const documented = new Set(operationsOf(doc).keys());
    const routes = servedRoutes();
    expect(routes.size).toBeGreaterThan(10);
    const undocumented = [...routes].filter((r) => !documented.has(r));
    expect(undocumented, "served but not in openapi.json").toEqual([]);
  });

  it("every documented operation is served, and none answers with a 5xx", async ({ expect }) => {
    for (const name of operationsOf(doc).keys()) {
      const [method, path] = name.split(" ") as [string, string];
      const answer = await call(method, path);
      expect(answer.code === "not_found" && answer.status === 404, `${name} is documented but not served`).toBe(false);
      expect(answer.status, `${name}: ${answer.text.slice(0, 200)}`).toBeLessThan(500);
    }
  });

  it("the read-only token may call every documented GET", async ({ expect }) => {
    const gets = [...operationsOf(doc).keys()].filter((name) => name.startsWith("get "));
    expect(gets.length).toBeGreaterThan(5);
    for (const name of gets) {
      const answer = await call("get", name.slice(4), ADMIN_READ_TOKEN);
      expect([401, 403], `${name} with the read-only token: ${answer.text.slice(0, 200)}`).not.toContain(answer.status);
      expect(answer.status, name).toBeLessThan(500);
    }
  });

  it("the document is served but does not describe itself", async ({ expect }) => {
    expect(Object.keys(doc.paths as JsonObject)).not.toContain(SELF);
    expect((await admin(SELF)).status).toBe(200);
  });
});
