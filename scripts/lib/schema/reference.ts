/**
 * docs/config-reference.md, generated from the config document's JSON Schema (the same
 * one `edgeway.schema.json` holds, so the page and the schema cannot disagree): one
 * section per object (the document, origin, monitor, pool, route, and every object nested
 * in them), each a table of field, type, default and meaning.
 */
import type { Json, JsonObject } from "./json-schema.ts";
import { defaultSentence, isObject, SCHEMA_FILE, valueText } from "./json-schema.ts";

/** Where the page is written, relative to the repository root. */
export const REFERENCE_FILE = "docs/config-reference.md";

/** The names of the document's collections' items. */
const ITEM_NAMES: Readonly<Record<string, string>> = {
  "origins[]": "Origin",
  "monitors[]": "Monitor",
  "pools[]": "Pool",
  "routes[]": "Route",
};

/** One object of the document, found at one or more paths (a shared object, such as `latency`, has one section). */
interface Section {
  readonly paths: string[];
  /** What each path's field says about it. */
  readonly intros: string[];
  /** The object's forms: one, or several when the field takes one of several objects. */
  readonly forms: readonly JsonObject[];
  readonly depth: number;
  readonly children: Section[];
}

const SAFE_INTEGER = 9_007_199_254_740_991;

function properties(schema: JsonObject): [string, JsonObject][] {
  return isObject(schema.properties) ? (Object.entries(schema.properties) as [string, JsonObject][]) : [];
}

/** An object with fields of its own (not a map): a section of the page. */
function isFieldObject(schema: Json | undefined): boolean {
  return isObject(schema) && isObject(schema.properties);
}

function fieldObjects(schemas: readonly Json[]): JsonObject[] {
  return schemas.filter(isFieldObject) as JsonObject[];
}

/** The objects a field's schema is or holds: itself, its array's items, its map's values, its union's members. */
function objectsAt(schema: JsonObject, path: string): { path: string; forms: JsonObject[] } | undefined {
  if (isFieldObject(schema)) return { path, forms: [schema] };
  if (Array.isArray(schema.anyOf)) {
    const forms = fieldObjects(schema.anyOf);
    return forms.length > 0 ? { path, forms } : undefined;
  }
  if (isObject(schema.items)) return objectsAt(schema.items, `${path}[]`);
  if (isObject(schema.additionalProperties)) return objectsAt(schema.additionalProperties, `${path}.<name>`);
  return undefined;
}

/** What identifies an object's shape, whatever a field using it says about it. */
function shapeKey(forms: readonly JsonObject[]): string {
  return JSON.stringify(forms.map((form) => [form.properties, form.required ?? []]));
}

function stripDefault(description: string, schema: JsonObject): string {
  const sentence = schema.default === undefined ? undefined : defaultSentence(schema.default);
  return sentence !== undefined && description.endsWith(sentence) ? description.slice(0, -sentence.length) : description;
}

function descriptionOf(schema: JsonObject): string {
  return typeof schema.description === "string" ? stripDefault(schema.description, schema) : "";
}

/** The sections of the document, depth first, each shared object once. */
function sectionsOf(schema: JsonObject): Section[] {
  const byShape = new Map<string, Section>();
  const visit = (forms: readonly JsonObject[], path: string, intro: string, depth: number): Section | undefined => {
    const key = shapeKey(forms);
    const seen = byShape.get(key);
    if (seen !== undefined) {
      seen.paths.push(path);
      seen.intros.push(intro);
      return undefined;
    }
    const section: Section = { paths: [path], intros: [intro], forms, depth, children: [] };
    byShape.set(key, section);
    for (const form of forms)
      for (const [name, field] of properties(form)) {
        const fieldPath = path === "" ? name : `${path}.${name}`;
        const found = objectsAt(field, fieldPath);
        if (found === undefined) continue;
        // An array's or a map's object says what it is itself ("An origin: …"); a field's object is what the field says.
        const item = found.forms.length === 1 && found.path !== fieldPath ? descriptionOf(found.forms[0] as JsonObject) : "";
        const child = visit(found.forms, found.path, item !== "" ? item : descriptionOf(field), depth + 1);
        if (child !== undefined) section.children.push(child);
      }
    return section;
  };
  const root = visit([schema], "", descriptionOf(schema), 0);
  const out: Section[] = [];
  const flatten = (section: Section): void => {
    out.push(section);
    section.children.forEach(flatten);
  };
  if (root !== undefined) flatten(root);
  return out;
}

function heading(section: Section): string {
  const [first] = section.paths;
  if (first === "") return "The document";
  const name = first === undefined ? undefined : ITEM_NAMES[first];
  const paths = section.paths.map((p) => `\`${p}\``).join(", ");
  return name === undefined ? paths : `${name}: ${paths}`;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
export function anchor(text: string): string {
  return text
    .replace(/`/g, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
    .replace(/ /g, "-");
}

/** The cell text of a table: no line breaks, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
}

function code(value: Json): string {
  return `\`${valueText(value)}\``;
}

function range(schema: JsonObject, unit: string): string {
  const min = typeof schema.minimum === "number" ? schema.minimum : undefined;
  const exclusiveMin = typeof schema.exclusiveMinimum === "number" ? schema.exclusiveMinimum : undefined;
  const max = typeof schema.maximum === "number" && schema.maximum < SAFE_INTEGER ? schema.maximum : undefined;
  const lower = exclusiveMin !== undefined ? `> ${exclusiveMin}` : min !== undefined ? `${min}` : undefined;
  if (lower !== undefined && max !== undefined) {
    if (exclusiveMin !== undefined) return `${unit}, ${lower}, ≤ ${max}`;
    return min !== undefined && min < 0 ? `${unit}, ${lower} to ${max}` : `${unit}, ${lower}–${max}`;
  }
  if (lower !== undefined) return exclusiveMin !== undefined ? `${unit}, ${lower}` : `${unit}, ≥ ${lower}`;
  if (max !== undefined) return `${unit}, ≤ ${max}`;
  return unit;
}

/** A field's type as the table shows it, with links to the sections of the objects it holds. */
function typeText(schema: JsonObject, links: ReadonlyMap<string, string>): string {
  if (isFieldObject(schema)) {
    const target = links.get(shapeKey([schema]));
    return target === undefined ? "object" : `[object](#${target})`;
  }
  if (Array.isArray(schema.anyOf)) {
    const objects = fieldObjects(schema.anyOf);
    const target = objects.length > 1 ? links.get(shapeKey(objects)) : undefined;
    if (target !== undefined && objects.length === schema.anyOf.length) return `one of [these objects](#${target})`;
    return schema.anyOf
      .filter(isObject)
      .map((member) => typeText(member, links))
      .join(" or ");
  }
  if (schema.const !== undefined) return code(schema.const);
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map(code).join(", ")}`;
  switch (schema.type) {
    case "string": {
      const min = typeof schema.minLength === "number" ? schema.minLength : undefined;
      const max = typeof schema.maxLength === "number" ? schema.maxLength : undefined;
      if (min !== undefined && max !== undefined) return `string, ${min}–${max} characters`;
      if (max !== undefined) return `string, ≤ ${max} characters`;
      if (min !== undefined) return `string, ≥ ${min} characters`;
      return "string";
    }
    case "integer":
    case "number":
      return range(schema, schema.type);
    case "boolean":
      return "boolean";
    case "array": {
      const itemText = isObject(schema.items) ? typeText(schema.items, links) : "anything";
      const items = itemText.includes(",") || itemText.includes(" or ") ? `(${itemText})` : itemText;
      const min = typeof schema.minItems === "number" && schema.minItems > 0 ? `, at least ${schema.minItems}` : "";
      return `array of ${items}${min}`;
    }
    case "object":
      if (isObject(schema.additionalProperties)) return `map of name → ${typeText(schema.additionalProperties, links)}`;
      return "object";
    default:
      return "anything";
  }
}

function defaultText(field: JsonObject, required: boolean, links: ReadonlyMap<string, string>): string {
  if (field.default !== undefined) {
    if (isObject(field.default) && Object.keys(field.default).length > 0) {
      const target = links.get(shapeKey([field]));
      return target === undefined ? code(field.default) : `[each field's default](#${target})`;
    }
    return code(field.default);
  }
  return required ? "required" : "—";
}

function table(section: Section, links: ReadonlyMap<string, string>): string[] {
  const rows = ["| Field | Type | Default | Meaning |", "| --- | --- | --- | --- |"];
  const several = section.forms.length > 1;
  for (const form of section.forms) {
    const required = new Set(Array.isArray(form.required) ? form.required : []);
    for (const [name, field] of properties(form)) {
      const type = typeText(field, links);
      const byDefault = several ? "one form" : defaultText(field, required.has(name), links);
      rows.push(`| \`${name}\` | ${cell(type)} | ${cell(byDefault)} | ${cell(descriptionOf(field))} |`);
    }
  }
  return rows;
}

function intro(section: Section): string[] {
  const distinct = [...new Set(section.intros.filter((text) => text !== ""))];
  const lines: string[] = [];
  if (distinct.length <= 1 || section.paths.length === 1) lines.push(...distinct);
  else lines.push(...section.paths.map((path, i) => `- \`${path}\`: ${section.intros[i] ?? ""}`));
  if (section.forms.length > 1) {
    const forms = section.forms.map(
      (form) =>
        `\`{ ${properties(form)
          .map(([name]) => `"${name}": …`)
          .join(", ")} }\``,
    );
    lines.push(`${lines.length > 0 ? "\n" : ""}Exactly one of these forms: ${forms.join(", ")}.`);
  }
  return lines;
}

/** The reference page, from the config document's JSON Schema. */
export function configReference(schema: JsonObject): string {
  const sections = sectionsOf(schema);
  const links = new Map<string, string>();
  for (const section of sections) links.set(shapeKey(section.forms), anchor(heading(section)));
  const out: string[] = [
    "# Config reference",
    "",
    "<!-- Generated by `npm run schema` from the zod schemas in src/config/: edit those, not this page. -->",
    "",
    "Every field of Edgeway's config document: one section per object, each field with its type, its",
    "default and what it means. The page is generated from the zod schemas Edgeway validates documents",
    `with, through the same JSON Schema as [\`${SCHEMA_FILE}\`](../${SCHEMA_FILE}), so it cannot drift from the code.`,
    "",
    `Name the schema in a document and editors complete and check it as you type: \`"$schema": "../${SCHEMA_FILE}"\``,
    "(a path relative to the document, as the documents in [`examples/`](../examples/) do). Edgeway accepts",
    "`$schema` and ignores it.",
    "",
    "A field with a default may be left out. A field whose default is `—` is optional and has none; its",
    "meaning says what leaving it out does. Beyond what a schema can say, Edgeway checks every",
    "cross-reference before it stores a document, and the error names the field: ids unique within their",
    "collection; every origin a pool names, every monitor, every pool a route names (in `pools`, `geo` and",
    "`fallbackPool`) exists, each listed once; `lat` and `lon` together; a `region` from the catalogue",
    "unless `lat`/`lon` place the origin; `minHealthy` at most the pool's origins; `loadAware` only with",
    "`weighted` steering; `regionQuorum` at most the monitor's regions; no two routes with the same `match`.",
    "",
    "## Contents",
    "",
    ...sections.map((section) => `${"  ".repeat(Math.max(0, section.depth - 1))}- [${heading(section)}](#${anchor(heading(section))})`),
  ];
  for (const section of sections) {
    // The document and its four collections are chapters; the objects inside them, their sections.
    out.push("", `${section.depth <= 1 ? "##" : "###"} ${heading(section)}`, "");
    const lines = intro(section);
    if (lines.length > 0) out.push(...lines, "");
    out.push(...table(section, links));
  }
  return `${out.join("\n")}\n`;
}
