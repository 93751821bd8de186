/**
 * The config document's JSON Schema (draft 2020-12), written to `edgeway.schema.json` by
 * `npm run schema`: zod 4's own `z.toJSONSchema` over `ConfigSchema` (src/config/schema.ts),
 * on the input side, so a field with a default is optional, as it is when a document is
 * written. The zod schemas stay the one source; this file only adapts zod's output to
 * what standard validators and editors read:
 *
 * - the root gets `$id`, a title, and a `$schema` property: documents name this file in
 *   `"$schema"` and Edgeway's validation accepts and ignores it (src/config/validate.ts);
 * - a case-insensitive regex (`/…/i`) becomes a pattern that accepts both cases, since JSON
 *   Schema patterns carry no flags;
 * - formats zod invents (`starts_with`) are dropped: the pattern beside them says the same;
 * - every field's description ends with its default, when it has one;
 * - and every field must have a description: a field without one fails the generation.
 *
 * What a schema cannot say (cross-references: every pool names existing origins, …) is
 * checked by Edgeway's validation, not here.
 */
import { z } from "zod";
import { ConfigSchema } from "../../../src/config/schema.ts";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Where the schema is written, relative to the repository root. */
export const SCHEMA_FILE = "edgeway.schema.json";
/** The schema's identifier: a name, not an address (nothing is served there). */
export const SCHEMA_ID = "urn:edgeway:config-document";
export const SCHEMA_TITLE = "Edgeway config document";

/** The description of the top-level `$schema` field, which Edgeway's validation ignores. */
const SCHEMA_FIELD_DESCRIPTION =
  'The JSON Schema this document follows, for editors and validators, e.g. "../edgeway.schema.json" (a path relative to the document, or a URL). Edgeway accepts it and ignores it.';

/** The format vocabulary of draft 2020-12; zod's own formats (`starts_with`, …) are not in it. */
const STANDARD_FORMATS = new Set([
  "date-time",
  "date",
  "time",
  "duration",
  "email",
  "idn-email",
  "hostname",
  "idn-hostname",
  "ipv4",
  "ipv6",
  "uri",
  "uri-reference",
  "iri",
  "iri-reference",
  "uuid",
  "uri-template",
  "json-pointer",
  "relative-json-pointer",
  "regex",
]);

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The length of the regex escape that starts at `i` (a backslash). */
function escapeLength(source: string, i: number): number {
  const next = source[i + 1];
  if ((next === "u" || next === "p" || next === "P") && source[i + 2] === "{") return source.indexOf("}", i) + 1 - i;
  if (next === "u") return 6;
  if (next === "x") return 4;
  if (next === "c") return 3;
  if (next === "k" && source[i + 2] === "<") return source.indexOf(">", i) + 1 - i;
  return 2;
}

function isLower(c: string | undefined): boolean {
  return c !== undefined && c >= "a" && c <= "z";
}

function isUpper(c: string | undefined): boolean {
  return c !== undefined && c >= "A" && c <= "Z";
}

function otherCase(c: string): string {
  return isLower(c) ? c.toUpperCase() : c.toLowerCase();
}

/** A character class (`[` at `start`) that also takes the other case of every letter it names; returns it and where it ends. */
function caselessClass(source: string, start: number): [string, number] {
  let i = start + 1;
  if (source[i] === "^") i++;
  const contentStart = i;
  const added: string[] = [];
  while (i < source.length && source[i] !== "]") {
    if (source[i] === "\\") {
      i += escapeLength(source, i);
      continue;
    }
    const from = source[i] as string;
    const to = source[i + 2];
    if (source[i + 1] === "-" && to !== undefined && to !== "]") {
      const letters = (isLower(from) && isLower(to)) || (isUpper(from) && isUpper(to));
      if (letters) added.push(`${otherCase(from)}-${otherCase(to)}`);
      else if (/[A-Za-z]/.test(from) || /[A-Za-z]/.test(to) || (from < "A" && to > "z"))
        throw new Error(`cannot make the range ${from}-${to} in /${source}/ case-insensitive`);
      i += 3;
      continue;
    }
    if (isLower(from) || isUpper(from)) added.push(otherCase(from));
    i++;
  }
  if (i >= source.length) throw new Error(`unterminated character class in /${source}/`);
  const head = source.slice(start, contentStart);
  const content = source.slice(contentStart, i);
  // A trailing "-" is a literal dash: it stays last, so what is added cannot turn it into a range.
  const dash = content.endsWith("-") && !content.endsWith("\\-") && content.length > 1;
  const body = dash ? `${content.slice(0, -1)}${added.join("")}-` : `${content}${added.join("")}`;
  return [`${head}${body}]`, i + 1];
}

/**
 * The source of a regex that matches what `/source/i` matches, without the flag: every letter
 * outside a class becomes `[xX]`, every class also takes the other case of its letters.
 * Exported for the tests.
 */
export function caselessPattern(source: string): string {
  let out = "";
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    if (c === "\\") {
      const length = escapeLength(source, i);
      out += source.slice(i, i + length);
      i += length;
    } else if (c === "[") {
      const [cls, end] = caselessClass(source, i);
      out += cls;
      i = end;
    } else if (source.startsWith("(?<", i) && source[i + 3] !== "=" && source[i + 3] !== "!") {
      const end = source.indexOf(">", i) + 1;
      out += source.slice(i, end);
      i = end;
    } else {
      out += isLower(c) || isUpper(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c;
      i++;
    }
  }
  return out;
}

/** The regexes behind a string schema's `pattern`s, by source: its regex checks (and any a check left in its bag). */
function stringPatterns(schema: z.core.$ZodType): Map<string, RegExp> {
  const regexes: RegExp[] = [...((schema._zod.bag as { patterns?: Set<RegExp> }).patterns ?? [])];
  for (const check of schema._zod.def.checks ?? []) {
    const pattern = (check._zod.def as { pattern?: unknown }).pattern;
    if (pattern instanceof RegExp) regexes.push(pattern);
  }
  return new Map(regexes.map((regex) => [regex.source, regex]));
}

/** Fixes what zod writes for one schema: flags it cannot write, formats it made up. */
function adapt(ctx: { zodSchema: z.core.$ZodType; jsonSchema: Record<string, unknown> }): void {
  const json = ctx.jsonSchema;
  if (typeof json.format === "string" && !STANDARD_FORMATS.has(json.format)) delete json.format;
  if (ctx.zodSchema._zod.def.type !== "string") return;
  const regexes = stringPatterns(ctx.zodSchema);
  const holders = [json, ...(Array.isArray(json.allOf) ? (json.allOf as Record<string, unknown>[]) : [])];
  for (const holder of holders) {
    if (typeof holder.pattern !== "string") continue;
    const regex = regexes.get(holder.pattern);
    if (regex === undefined) throw new Error(`no regex behind the pattern ${holder.pattern}: cannot tell its flags`);
    const flags = regex.flags.replace(/[gyd]/g, "");
    if (flags === "i") holder.pattern = caselessPattern(regex.source);
    else if (flags !== "" && flags !== "u") throw new Error(`/${regex.source}/${regex.flags}: JSON Schema patterns take no flags`);
  }
}

/** A value as the text of a description: JSON with spaces after commas and colons. */
export function valueText(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(valueText).join(", ")}]`;
  if (isObject(value) && Object.keys(value).length === 0) return "{}";
  if (isObject(value))
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${valueText(v)}`)
      .join(", ")} }`;
  return JSON.stringify(value);
}

/** The sentence a field's description ends with when it has a default (objects of defaults are left to their own fields). */
export function defaultSentence(value: Json): string | undefined {
  if (isObject(value) && Object.keys(value).length > 0) return undefined;
  return ` Default: ${valueText(value)}.`;
}

/** Descriptions first, then the rest as zod wrote it. */
function ordered(schema: JsonObject): JsonObject {
  const { description, ...rest } = schema;
  return description === undefined ? rest : { description, ...rest };
}

/**
 * Walks the schema: every property needs a description, which gets its default appended;
 * collects the fields that have none.
 */
function finish(schema: Json, path: string, missing: string[]): Json {
  if (Array.isArray(schema)) return schema.map((item) => finish(item, path, missing));
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "default" || key === "const" || key === "enum") out[key] = value;
    else if (key === "properties" && isObject(value)) {
      const properties: JsonObject = {};
      for (const [name, property] of Object.entries(value)) {
        const at = path === "" ? name : `${path}.${name}`;
        if (!isObject(property)) throw new Error(`${at}: not a schema`);
        let done = finish(property, at, missing) as JsonObject;
        if (typeof done.description !== "string" || done.description.trim() === "") missing.push(at);
        else if (done.default !== undefined) {
          const sentence = defaultSentence(done.default);
          if (sentence !== undefined) done = { ...done, description: `${done.description}${sentence}` };
        }
        properties[name] = ordered(done);
      }
      out[key] = properties;
    } else if (key === "items") out[key] = finish(value, `${path}[]`, missing);
    else if (key === "additionalProperties") out[key] = finish(value, `${path}.*`, missing);
    else out[key] = finish(value, path, missing);
  }
  return out;
}

/** The config document's JSON Schema, as `edgeway.schema.json` holds it. */
export function configJsonSchema(): JsonObject {
  const generated = z.toJSONSchema(ConfigSchema, {
    target: "draft-2020-12",
    io: "input",
    unrepresentable: "throw",
    cycles: "throw",
    reused: "inline",
    override: (ctx) => adapt(ctx as { zodSchema: z.core.$ZodType; jsonSchema: Record<string, unknown> }),
  }) as JsonObject;
  const { $schema, description, properties, ...rest } = generated;
  if (!isObject(properties)) throw new Error("ConfigSchema is not an object schema");
  const root: JsonObject = {
    $schema: $schema ?? "https://json-schema.org/draft/2020-12/schema",
    $id: SCHEMA_ID,
    title: SCHEMA_TITLE,
    description: description ?? null,
    type: rest.type ?? "object",
    properties: { $schema: { description: SCHEMA_FIELD_DESCRIPTION, type: "string" }, ...properties },
    ...rest,
  };
  const missing: string[] = [];
  const finished = finish(root, "", missing) as JsonObject;
  if (typeof finished.description !== "string") missing.unshift("(document)");
  if (missing.length > 0) throw new Error(`fields without a description (add .describe(…) in src/config/): ${missing.join(", ")}`);
  return finished;
}
