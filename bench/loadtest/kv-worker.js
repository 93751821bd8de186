// The load test's KV namespace under plain `workerd serve` (npm run loadtest -- --runtime
// workerd): workerd's KV binding speaks HTTP to the service it is bound to, and this worker
// answers it from memory — get, put, delete and list, no expiry or metadata. Edgeway reads
// one key every few seconds, so this stands in for KV without being on the request path.
const store = new Map();

function keyOf(url) {
  const raw = url.pathname.slice(1);
  return url.searchParams.get("urlencoded") === "true" ? decodeURIComponent(raw) : raw;
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (request.method === "GET" && url.pathname === "/") {
      const prefix = url.searchParams.get("prefix") ?? "";
      const keys = [...store.keys()]
        .filter((k) => k.startsWith(prefix))
        .sort()
        .map((name) => ({ name }));
      return Response.json({ keys, list_complete: true, cacheStatus: null });
    }
    const key = keyOf(url);
    if (request.method === "GET") {
      const value = store.get(key);
      return value === undefined ? new Response("Not Found", { status: 404 }) : new Response(value);
    }
    if (request.method === "PUT") {
      store.set(key, new Uint8Array(await request.arrayBuffer()));
      return new Response();
    }
    if (request.method === "DELETE") {
      store.delete(key);
      return new Response();
    }
    return new Response("Method Not Allowed", { status: 405 });
  },
};
