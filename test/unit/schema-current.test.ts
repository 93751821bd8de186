/**
 * The generated files are current: edgeway.schema.json, docs/config-reference.md and
 * docs/openapi.json are generated again here, in memory, by the same functions
 * `npm run schema` uses (scripts/lib/schema/), and must equal the committed ones. A change
 * to the config's zod schemas or to the admin API fails here until `npm run schema` is run
 * and its output committed.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { GeneratedFile } from "../../scripts/lib/schema/index.ts";
import { generateFiles } from "../../scripts/lib/schema/index.ts";
import { caselessPattern, configJsonSchema } from "../../scripts/lib/schema/json-schema.ts";
import { formatJson } from "../../scripts/lib/schema/format.ts";

// The admin modules import workerd's own modules, which Node has not: the stand-ins the
// scripts register (scripts/lib/workers-stub.ts), as mocks.
vi.mock("cloudflare:workers", () => ({
  DurableObject: class {
    readonly ctx: unknown;
    readonly env: unknown;
    constructor(ctx: unknown, env: unknown) {
      this.ctx = ctx;
      this.env = env;
    }
  },
}));
vi.mock("cloudflare:sockets", () => ({
  connect: () => {
    throw new Error("cloudflare:sockets is not available in Node");
  },
}));

const ROOT = new URL("../../", import.meta.url);

let files: GeneratedFile[];
beforeAll(async () => {
  files = await generateFiles();
}, 30_000);

describe("generated files", () => {
  it("generates the schema, the reference page and the OpenAPI document", () => {
    expect(files.map((f) => f.path)).toEqual(["edgeway.schema.json", "docs/config-reference.md", "docs/openapi.json"]);
  });

  for (const path of ["edgeway.schema.json", "docs/config-reference.md", "docs/openapi.json"]) {
    it(`${path} is what the code generates`, () => {
      const generated = files.find((f) => f.path === path);
      if (generated === undefined) throw new Error(`${path} is not generated`);
      let committed: string;
      try {
        committed = readFileSync(new URL(path, ROOT), "utf8");
      } catch {
        throw new Error(`${path} is missing: run npm run schema, and commit the result`);
      }
      expect(committed, `${path} differs from what the code generates: run npm run schema, and commit the result`).toBe(generated.text);
    });
  }
});

describe("the JSON Schema", () => {
  it("is draft 2020-12 with an $id and a title, and describes the $schema field", () => {
    const schema = configJsonSchema();
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.$id).toBe("urn:edgeway:config-document");
    expect(schema.title).toBe("Edgeway config document");
    const properties = schema.properties as Record<string, { type?: string; description?: string }>;
    expect(Object.keys(properties)).toEqual(["$schema", "origins", "monitors", "pools", "routes"]);
    expect(properties.$schema?.type).toBe("string");
    expect(schema.required).toEqual(["origins", "pools", "routes"]);
    expect(schema.additionalProperties).toBe(false);
  });

  it("gives every field a description that ends with its default, when it has a plain one", () => {
    const fields: [string, Record<string, unknown>][] = [];
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) for (const n of node) walk(n, path);
      if (typeof node !== "object" || node === null) return;
      for (const [key, value] of Object.entries(node)) {
        if (key === "properties")
          for (const [name, field] of Object.entries(value as Record<string, Record<string, unknown>>)) {
            fields.push([`${path}.${name}`, field]);
            walk(field, `${path}.${name}`);
          }
        else if (key !== "default" && key !== "enum" && key !== "const") walk(value, path);
      }
    };
    walk(configJsonSchema(), "");
    expect(fields.length).toBeGreaterThan(100);
    for (const [path, field] of fields) {
      expect(typeof field.description, path).toBe("string");
      expect((field.description as string).length, path).toBeGreaterThan(15);
      const value = field.default;
      if (value !== undefined && (typeof value !== "object" || value === null || Array.isArray(value) || Object.keys(value).length === 0))
        expect(field.description as string, path).toMatch(/ Default: .+\.$/);
    }
  });

  it("keeps what zod accepts: defaults make fields optional, and no zod-only formats", () => {
    const text = JSON.stringify(configJsonSchema());
    expect(text).not.toContain('"format"');
    const origin = (configJsonSchema().properties as Record<string, { items: { required: string[] } }>).origins?.items;
    expect(origin?.required).toEqual(["id", "url"]);
  });
});

describe("caselessPattern", () => {
  it("lets a flagless pattern match both cases where the /i regex did", () => {
    const source = "^(\\*|(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)$";
    const caseless = new RegExp(caselessPattern(source), "u");
    const original = new RegExp(source, "i");
    for (const host of ["*", "*.Example.COM", "API.example.com", "a-b.c", "x", "-bad", "a..b", "*.", "exa mple.com", "a_b.com"])
      expect(caseless.test(host), host).toBe(original.test(host));
  });

  it("leaves escapes and quantifiers alone, and turns letters outside classes into both cases", () => {
    expect(caselessPattern("^a\\d{2,3}\\.b$")).toBe("^[aA]\\d{2,3}\\.[bB]$");
    expect(caselessPattern("[^x-z_]")).toBe("[^x-z_X-Z]");
  });
});

describe("formatJson", () => {
  it("writes objects one member a line and arrays on one line when they fit", () => {
    expect(formatJson({ a: [1, 2], b: { c: "d" }, e: [], f: {} })).toBe(
      '{\n  "a": [1, 2],\n  "b": {\n    "c": "d"\n  },\n  "e": [],\n  "f": {}\n}\n',
    );
    const long = Array.from({ length: 20 }, (_, i) => `item-number-${i}`);
    // "{", "long": [, one line per item, ], }, and the empty string after the last newline.
    expect(formatJson({ long }).split("\n")).toHaveLength(long.length + 5);
  });
});
