/**
 * The import and export commands of the config CLI, apart from its plumbing: read the
 * files, run the importer, validate the result with the worker's own validation, and say
 * what was dropped. The CLI prints, diffs or applies what this returns.
 */
import { validateConfig } from "../../../src/config/validate.ts";
import type { Config } from "../../../src/config/schema.ts";
import { exportCloudflare } from "./cloudflare-export.ts";
import { importCloudflare } from "./cloudflare.ts";
import { readFileSync } from "node:fs";
import { parseDocuments } from "./documents.ts";
import { importGateway } from "./gateway.ts";
import { importIstio } from "./istio.ts";
import { ImportError } from "./model.ts";
import type { Dropped, ImportResult, SourceDocument } from "./model.ts";

/** Reads and parses every file; "-" is standard input. */
export function readDocuments(files: readonly string[]): SourceDocument[] {
  return files.flatMap((file) => {
    let text: string;
    try {
      text = readFileSync(file === "-" ? 0 : file, "utf8");
    } catch (error) {
      throw new ImportError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return parseDocuments(text, file === "-" ? "stdin" : file);
  });
}

export const IMPORT_SOURCES = ["istio", "gateway", "cloudflare"] as const;
export type ImportSource = (typeof IMPORT_SOURCES)[number];

/** Exit code of an import that worked but could not carry every field over. */
export const EXIT_DROPPED = 3;

const IMPORTERS: Record<ImportSource, (docs: readonly SourceDocument[]) => ImportResult> = {
  istio: importIstio,
  gateway: importGateway,
  cloudflare: importCloudflare,
};

/** Runs the importer for `from` over parsed documents. */
export function importDocuments(from: ImportSource, docs: readonly SourceDocument[]): ImportResult {
  return IMPORTERS[from](docs);
}

export interface ImportOutcome {
  readonly config: Config;
  /** The document as imported (before defaults), as it would be pushed. */
  readonly document: ImportResult["config"];
  readonly dropped: readonly Dropped[];
}

/** Imports and validates; an imported config that does not validate is an ImportError listing every issue. */
export function importFiles(from: ImportSource, files: readonly string[]): ImportOutcome {
  const result = importDocuments(from, readDocuments(files));
  const valid = validateConfig(result.config);
  if (!valid.ok) {
    const lines = valid.issues.map((i) => `  ${i.path}: ${i.message}`);
    throw new ImportError(`the imported config does not validate (${valid.issues.length} problem(s)):\n${lines.join("\n")}`);
  }
  return { config: valid.config, document: result.config, dropped: result.dropped };
}

/** The dropped-fields report, one line each: `file: path — reason`. */
export function formatDropped(dropped: readonly Dropped[]): string {
  if (dropped.length === 0) return "every field was imported";
  const lines = dropped.map((d) => `  ${d.source}: ${d.path} — ${d.reason}`);
  return `${dropped.length} field(s) not imported as they were:\n${lines.join("\n")}`;
}

/** Exports a validated config document to Cloudflare's API objects. */
export function exportConfig(document: unknown, source: string): ReturnType<typeof exportCloudflare> {
  const valid = validateConfig(document);
  if (!valid.ok) {
    const lines = valid.issues.map((i) => `  ${i.path}: ${i.message}`);
    throw new ImportError(`${source} is not a valid config (${valid.issues.length} problem(s)):\n${lines.join("\n")}`);
  }
  return exportCloudflare(valid.config, source);
}
