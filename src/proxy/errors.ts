/** Responses Edgeway itself answers with: short JSON bodies that say what happened. */

/** An error response from Edgeway (never from an origin), marked with x-edgeway-error. */
export function edgewayError(status: number, code: string, message: string, route?: string, origin?: string): Response {
  const body: Record<string, string> = { error: message, code };
  if (route !== undefined) body.route = route;
  if (origin !== undefined) body.origin = origin;
  return new Response(`${JSON.stringify(body)}\n`, {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "x-edgeway-error": code, "cache-control": "no-store" },
  });
}
