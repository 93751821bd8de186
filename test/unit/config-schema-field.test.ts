/**
 * A config document may name its JSON Schema in a top-level "$schema" field
 * ("../edgeway.schema.json", as the examples do) so editors complete and check it.
 * Edgeway's validation accepts the field when it is a string and ignores it: the parsed
 * config is the same as without it, and the document itself is left as written (the admin
 * API stores what was sent; test/worker/admin-config.test.ts reads the example back).
 */
import { describe, expect, it } from "vitest";
import { SCHEMA_FIELD, validateConfig } from "../../src/config/validate.ts";
import { multiCloud, singlePool } from "./helpers/configs.ts";

function issuesOf(input: unknown): { path: string; message: string }[] {
  const result = validateConfig(input);
  if (result.ok) throw new Error("expected the document to be rejected, but it validated");
  return [...result.issues];
}

describe("$schema in a config document", () => {
  it("is the field the examples carry", () => {
    expect(SCHEMA_FIELD).toBe("$schema");
    expect((multiCloud() as Record<string, unknown>).$schema).toBe("../edgeway.schema.json");
  });

  it("is accepted and ignored: the config is the same as without it, and holds no $schema", () => {
    const withField = multiCloud();
    const { $schema: _, ...without } = withField as Record<string, unknown>;
    const a = validateConfig(withField);
    const b = validateConfig(without);
    if (!a.ok || !b.ok) throw new Error(`rejected: ${JSON.stringify(a.ok ? b : a)}`);
    expect(a.config).toEqual(b.config);
    expect(Object.keys(a.config)).toEqual(["origins", "monitors", "pools", "routes"]);
  });

  it("accepts any string: a relative path, a URL, even an empty one", () => {
    for (const value of ["./edgeway.schema.json", "https://example.com/edgeway.schema.json", ""])
      expect(validateConfig({ $schema: value, ...singlePool() }).ok, value).toBe(true);
  });

  it("leaves the document as written", () => {
    const doc = { $schema: "../edgeway.schema.json", ...singlePool() };
    const before = structuredClone(doc);
    expect(validateConfig(doc).ok).toBe(true);
    expect(doc).toEqual(before);
    expect(Object.keys(doc)[0]).toBe("$schema");
  });

  it("is refused when it is not a string, naming the field, beside the document's other issues", () => {
    for (const value of [5, null, true, {}, ["../edgeway.schema.json"]]) {
      const issues = issuesOf({ ...singlePool(), $schema: value });
      expect(issues, JSON.stringify(value)).toEqual([
        { path: "$schema", message: "must be a string: the path or URL of the document's JSON Schema" },
      ]);
    }
    const doc = singlePool() as Record<string, unknown>;
    const issues = issuesOf({ ...doc, $schema: 1, routes: [] });
    expect(issues.map((i) => i.path)).toEqual(["$schema", "routes"]);
  });

  it("is ignored only at the top of the document: elsewhere it is an unknown field", () => {
    const doc = singlePool();
    (doc.pools[0] as Record<string, unknown>).$schema = "../edgeway.schema.json";
    expect(issuesOf(doc).map((i) => i.path)).toEqual(["pools[0]"]);
  });

  it("does not stand in for the document: a $schema alone is still an empty document", () => {
    expect(issuesOf({ $schema: "../edgeway.schema.json" }).map((i) => i.path)).toEqual(["origins", "pools", "routes"]);
  });
});
