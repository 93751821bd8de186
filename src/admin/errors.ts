/** JSON error bodies for the admin API: `{ error, code, ...details }`. */
export function jsonError(status: number, code: string, message: string, details: Record<string, unknown> = {}): Response {
  return new Response(`${JSON.stringify({ error: message, code, ...details })}\n`, {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}
