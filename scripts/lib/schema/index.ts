/**
 * What `npm run schema` generates, in memory: the config document's JSON Schema, the config
 * reference page built from it, and the admin API's OpenAPI document. scripts/schema.ts
 * writes or checks them; test/unit/schema-current.test.ts fails when the committed files
 * differ from them.
 */
// First: @hono/zod-openapi adds `.openapi()` to zod's schemas as they are built, and the admin
// modules call it on the config schemas, so it must load before src/config/schema.ts does.
import "@hono/zod-openapi";
import { formatJson } from "./format.ts";
import { configJsonSchema, SCHEMA_FILE } from "./json-schema.ts";
import { OPENAPI_FILE, openApiDocument } from "./openapi.ts";
import { configReference, REFERENCE_FILE } from "./reference.ts";

/** One generated file: where it goes (relative to the repository root) and its text. */
export interface GeneratedFile {
  readonly path: string;
  readonly text: string;
}

/** Every generated file, in the order the script reports them. */
export async function generateFiles(): Promise<GeneratedFile[]> {
  const schema = configJsonSchema();
  return [
    { path: SCHEMA_FILE, text: formatJson(schema) },
    { path: REFERENCE_FILE, text: configReference(schema) },
    { path: OPENAPI_FILE, text: formatJson(await openApiDocument()) },
  ];
}
