/**
 * Header edits from another system's config as an Edgeway header modifier (set, add,
 * remove), shared by the Istio (`headers.request/response`) and Gateway API
 * (RequestHeaderModifier, ResponseHeaderModifier) importers. An edit Edgeway refuses —
 * a header it owns, a name that is not a field name, a value with a control character, a
 * second edit of one header — is left out and reported with the reason.
 */
import type { z } from "zod";
import { protectedHeader } from "../../../../src/config/filter-schema.ts";
import type { HeaderModifierSchema } from "../../../../src/config/filter-schema.ts";
import { HEADER_NAME } from "../../../../src/config/match-schema.ts";
import { headerValueProblem } from "../../../../src/config/origin-headers.ts";
import type { DropLog } from "../model.ts";

export type HeaderModifierIn = z.input<typeof HeaderModifierSchema>;

/** One edit as read from the source: where it sat, for the report. */
export interface HeaderEdit {
  readonly op: "set" | "add" | "remove";
  readonly name: string;
  readonly value?: string;
  readonly path: string;
}

const MAX_EDITS = 32;

/** Why Edgeway cannot take this edit, or undefined. */
function editProblem(edit: HeaderEdit): string | undefined {
  if (!HEADER_NAME.test(edit.name) || edit.name.length > 256) return `"${edit.name}" is not a header name (RFC 9110 token)`;
  const owned = protectedHeader(edit.name);
  if (owned !== undefined) return `"${edit.name}" ${owned}: Edgeway does not let a filter edit it`;
  if (edit.value !== undefined && (headerValueProblem(edit.value) !== undefined || edit.value.length > 4_096))
    return "the value holds a line break or control character, or is longer than 4096 characters";
  return undefined;
}

/** The modifier for `edits`, or undefined when none could be kept. */
export function headerModifier(edits: readonly HeaderEdit[], source: string, log: DropLog): HeaderModifierIn | undefined {
  const set: { name: string; value: string }[] = [];
  const add: { name: string; value: string }[] = [];
  const remove: string[] = [];
  const edited = new Map<string, string>();
  for (const edit of edits) {
    const problem = editProblem(edit);
    if (problem !== undefined) {
      log.drop(source, edit.path, `${problem}: this edit was left out`);
      continue;
    }
    const earlier = edited.get(edit.name.toLowerCase());
    if (earlier !== undefined) {
      log.drop(source, edit.path, `"${edit.name}" is already edited by ${earlier}: Edgeway takes one edit per header, the first`);
      continue;
    }
    const target = edit.op === "remove" ? remove : edit.op === "set" ? set : add;
    if (target.length >= MAX_EDITS) {
      log.drop(source, edit.path, `more than ${MAX_EDITS} ${edit.op} edits: this one was left out`);
      continue;
    }
    edited.set(edit.name.toLowerCase(), edit.path);
    if (edit.op === "remove") remove.push(edit.name);
    else (edit.op === "set" ? set : add).push({ name: edit.name, value: edit.value ?? "" });
  }
  if (set.length + add.length + remove.length === 0) return undefined;
  return {
    ...(set.length === 0 ? {} : { set }),
    ...(add.length === 0 ? {} : { add }),
    ...(remove.length === 0 ? {} : { remove }),
  };
}
