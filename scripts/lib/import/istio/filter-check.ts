/**
 * A filter built by an importer, checked against Edgeway's own filter schema before it
 * goes in the config: one that would not validate (a host name with a port, a path with
 * a query string) is left out and reported with the schema's reason, so the rest of the
 * import still validates. Shared by the Istio and Gateway API importers.
 */
import type { z } from "zod";
import { FilterSchema } from "../../../../src/config/filter-schema.ts";
import { formatPath } from "../../../../src/config/validate.ts";
import type { DropLog } from "../model.ts";

export type FilterIn = z.input<typeof FilterSchema>;

/** `filter` when Edgeway's schema accepts it; otherwise undefined, reported at `path`. */
export function checkedFilter(filter: FilterIn, source: string, path: string, log: DropLog): FilterIn | undefined {
  const parsed = FilterSchema.safeParse(filter);
  if (parsed.success) return filter;
  const issue = parsed.error.issues[0];
  const where = issue === undefined ? "" : formatPath(issue.path.slice(1));
  log.drop(source, path, `${where === "(document)" ? "" : `${where}: `}${issue?.message ?? "not valid"}: this ${filter.type} was left out`);
  return undefined;
}
