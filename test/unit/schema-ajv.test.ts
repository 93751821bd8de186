/**
 * edgeway.schema.json with a standard validator: ajv (draft 2020-12, strict mode) compiles
 * it, accepts every document under examples/ as written (each names the schema in
 * "$schema"), and rejects a typo with an error whose instancePath names the field, as
 * Edgeway's own validation does.
 */
import { readdirSync, readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { beforeAll, describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/validate.ts";

const ROOT = new URL("../../", import.meta.url);
const EXAMPLES = new URL("examples/", ROOT);

type Doc = Record<string, unknown> & { pools: Record<string, unknown>[]; routes: Record<string, unknown>[] };

/** The example documents: every .json file directly under examples/ (the importers' inputs live in subfolders). */
const exampleFiles = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith(".json"))
  .map((entry) => entry.name)
  .sort();

function example(name: string): Doc {
  return JSON.parse(readFileSync(new URL(name, EXAMPLES), "utf8")) as Doc;
}

function describeErrors(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? e.keyword}`).join("; ");
}

let validate: ValidateFunction;
beforeAll(() => {
  const schema = JSON.parse(readFileSync(new URL("edgeway.schema.json", ROOT), "utf8")) as Record<string, unknown>;
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  validate = ajv.compile(schema);
});

describe("edgeway.schema.json under ajv", () => {
  it("has examples to check", () => {
    expect(exampleFiles).toEqual(expect.arrayContaining(["multi-cloud.json", "registration.json"]));
  });

  for (const name of exampleFiles) {
    it(`accepts examples/${name}, which names the schema`, () => {
      const doc = example(name);
      expect(doc.$schema).toBe("../edgeway.schema.json");
      expect(validate(doc), describeErrors(validate.errors)).toBe(true);
    });
  }

  it('rejects a typo in a pool\'s steering policy ("wieghted"), naming the field', () => {
    const doc = example("multi-cloud.json");
    (doc.pools[0] as Record<string, unknown>).steering = "wieghted";
    expect(validate(doc)).toBe(false);
    const errors = validate.errors ?? [];
    expect(errors.map((e) => e.instancePath)).toContain("/pools/0/steering");
    const error = errors.find((e) => e.instancePath === "/pools/0/steering");
    expect(error?.keyword).toBe("enum");
    expect(error?.params).toEqual({ allowedValues: ["weighted", "round_robin", "random", "latency", "least_outstanding", "hash"] });
    // Edgeway's own validation names the same field.
    const own = validateConfig(doc);
    expect(own.ok ? [] : own.issues.map((i) => i.path)).toContain("pools[0].steering");
  });

  it("rejects an unknown field and a $schema that is not a string, as Edgeway does", () => {
    const unknown = example("multi-cloud.json");
    (unknown.routes[0] as Record<string, unknown>).stering = "geo";
    expect(validate(unknown)).toBe(false);
    expect(validate.errors?.some((e) => e.instancePath === "/routes/0" && e.keyword === "additionalProperties")).toBe(true);
    expect(validateConfig(unknown).ok).toBe(false);

    const badSchema = { ...example("multi-cloud.json"), $schema: 5 };
    expect(validate(badSchema)).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath)).toContain("/$schema");
    expect(validateConfig(badSchema).ok).toBe(false);
  });

  it("accepts a host in any case, as Edgeway's case-insensitive pattern does", () => {
    const doc = example("multi-cloud.json");
    (doc.routes[0] as Record<string, unknown>).match = { host: "*.Example.COM", pathPrefix: "/" };
    expect(validate(doc), describeErrors(validate.errors)).toBe(true);
    expect(validateConfig(doc).ok).toBe(true);
  });

  it("leaves out nothing required and accepts a document with only the required fields", () => {
    const minimal = {
      origins: [{ id: "a", url: "http://127.0.0.1:9101" }],
      pools: [{ id: "p", origins: ["a"] }],
      routes: [{ id: "r", pools: ["p"] }],
    };
    expect(validate(minimal), describeErrors(validate.errors)).toBe(true);
    expect(validateConfig(minimal).ok).toBe(true);
    const { routes: _, ...noRoutes } = minimal;
    expect(validate(noRoutes)).toBe(false);
    expect(validate.errors?.some((e) => e.keyword === "required" && e.params.missingProperty === "routes")).toBe(true);
  });
});
