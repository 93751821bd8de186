/**
 * Kubernetes document shapes that the Istio and Gateway API importers share: what
 * `kubectl get … -o yaml` prints for several objects (`kind: List` with `items`), and the
 * object's kind, name and namespace.
 */
import { list, record, text } from "../model.ts";
import type { DropLog, SourceDocument } from "../model.ts";

/** The document's `kind`, or "" when it has none. */
export function kindOf(doc: SourceDocument): string {
  return text(record(doc.value)?.["kind"]) ?? "";
}

/** `metadata.name`, or `fallback`. */
export function nameOf(value: Record<string, unknown>, fallback: string): string {
  return text(record(value["metadata"])?.["name"]) ?? fallback;
}

/** `metadata.namespace`, or undefined (Kubernetes' "default" when applied without one). */
export function namespaceOf(value: Record<string, unknown>): string | undefined {
  return text(record(value["metadata"])?.["namespace"]);
}

/**
 * Each object of a `kind: List` (or `…List`, as `kubectl get httproute -o yaml` prints
 * several) as a document of its own, its source naming the item: `routes.yaml#items[2]`.
 * Other documents pass through.
 */
export function unwrapLists(docs: readonly SourceDocument[]): SourceDocument[] {
  return docs.flatMap((doc) => {
    const value = record(doc.value);
    const kind = text(value?.["kind"]) ?? "";
    if (value === undefined || !(kind === "List" || kind.endsWith("List")) || !Array.isArray(value["items"])) return [doc];
    return list(value["items"]).map((item, i) => ({ source: `${doc.source}#items[${i}]`, value: item }));
  });
}

/**
 * An Istio object's `exportTo` (which namespaces' proxies see it): Edgeway applies every
 * object to every request it serves, which is what the default, `["*"]`, says; any other
 * value is reported.
 */
export function reportExportTo(spec: Record<string, unknown>, source: string, log: DropLog): void {
  const to = list(spec["exportTo"]);
  if (to.length > 0 && !(to.length === 1 && to[0] === "*"))
    log.drop(source, "spec.exportTo", "which namespaces' Istio proxies see this object: Edgeway applies it to every request it serves");
}
