/**
 * Leaf helpers that know nothing of Edgeway, importable from every layer.
 */
/** The message of anything thrown, for logs and error bodies. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
