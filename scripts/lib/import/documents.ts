/**
 * Reads the files an import names: YAML (one or many documents, `---` separated) or JSON
 * (a YAML subset), through the `yaml` package. A syntax error names the file and line.
 * No file system here: the importers also run inside workerd (the end-to-end tests).
 */
import { parseAllDocuments } from "yaml";
import { ImportError } from "./model.ts";
import type { SourceDocument } from "./model.ts";

/** Largest input file accepted: import documents are a few kilobytes. */
export const MAX_IMPORT_FILE_BYTES = 5 * 1024 * 1024;

/** Parses one file's text into its documents (empty documents skipped). */
export function parseDocuments(text: string, file: string): SourceDocument[] {
  if (text.length > MAX_IMPORT_FILE_BYTES) throw new ImportError(`${file}: larger than ${MAX_IMPORT_FILE_BYTES} bytes`);
  const docs = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: SourceDocument[] = [];
  list.forEach((doc, i) => {
    const error = doc.errors[0];
    if (error !== undefined) {
      const line = error.linePos?.[0]?.line;
      throw new ImportError(`${file}${line === undefined ? "" : `:${line}`}: ${error.message.split("\n")[0]}`);
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return;
    out.push({ source: list.length > 1 ? `${file}#${i + 1}` : file, value });
  });
  return out;
}
