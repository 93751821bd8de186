/**
 * JSON text laid out as biome formats it (biome.json: two spaces, 140 columns), so a
 * generated file at the repository root passes `biome ci` as written: an object with
 * members always takes one line per member (biome keeps objects expanded when they are
 * written so); an array stays on one line when it holds no such object and fits in the
 * line with what follows it, else an array of numbers fills its lines and any other takes
 * one line per element.
 */
import type { Json } from "./json-schema.ts";
import { isObject } from "./json-schema.ts";

const INDENT = "  ";
const LINE_WIDTH = 140;

/** The value on one line, or undefined when it holds an object with members (which is never on one line). */
function flat(value: Json): string | undefined {
  if (Array.isArray(value)) {
    const items = value.map(flat);
    if (items.some((item) => item === undefined)) return undefined;
    return `[${items.join(", ")}]`;
  }
  if (isObject(value)) return Object.keys(value).length === 0 ? "{}" : undefined;
  return JSON.stringify(value);
}

/** Numbers laid out as biome's fill: as many per line as fit, each line ending with a comma but the last. */
function fill(items: readonly string[], indent: string): string {
  const lines: string[] = [];
  let line = "";
  for (const [i, item] of items.entries()) {
    const piece = i < items.length - 1 ? `${item},` : item;
    if (line === "") line = piece;
    else if (indent.length + line.length + 1 + piece.length <= LINE_WIDTH) line += ` ${piece}`;
    else {
      lines.push(line);
      line = piece;
    }
  }
  lines.push(line);
  return lines.map((l) => `${indent}${l}`).join("\n");
}

/**
 * `value` written at `indent`, where `before` characters of its line come first and `after`
 * characters follow it (a comma), so an array is kept on one line only when the whole line fits.
 */
function layout(value: Json, indent: string, before: number, after: number): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const one = flat(value);
    if (one !== undefined && before + one.length + after <= LINE_WIDTH) return one;
    const inner = indent + INDENT;
    if (value.every((item) => typeof item === "number"))
      return `[\n${fill(
        value.map((n) => JSON.stringify(n)),
        inner,
      )}\n${indent}]`;
    const lines = value.map((item, i) => {
      const comma = i < value.length - 1 ? 1 : 0;
      return `${inner}${layout(item, inner, inner.length, comma)}${comma === 1 ? "," : ""}`;
    });
    return `[\n${lines.join("\n")}\n${indent}]`;
  }
  if (isObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}";
    const inner = indent + INDENT;
    const lines = entries.map(([key, member], i) => {
      const comma = i < entries.length - 1 ? 1 : 0;
      const head = `${inner}${JSON.stringify(key)}: `;
      return `${head}${layout(member, inner, head.length, comma)}${comma === 1 ? "," : ""}`;
    });
    return `{\n${lines.join("\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** The JSON text of a generated file, ending with a newline. */
export function formatJson(value: Json): string {
  return `${layout(value, "", 0, 0)}\n`;
}
