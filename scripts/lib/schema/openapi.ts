/**
 * docs/openapi.json: the OpenAPI 3.1 document the admin API serves at
 * GET /_edgeway/openapi.json, asked of the admin app itself (src/admin/index.ts) so the file
 * is exactly what a running Edgeway answers.
 *
 * The admin modules import `cloudflare:workers` and a `.tsx` page: a script calls
 * `registerWorkersStub()` and `registerTsxLoader()` before this runs; vitest's unit
 * project mocks `cloudflare:workers` and `cloudflare:sockets` and compiles `.tsx` itself.
 */
import { timingSafeEqual, webcrypto } from "node:crypto";
import type { Json } from "./json-schema.ts";

/** Where the document is written, relative to the repository root. */
export const OPENAPI_FILE = "docs/openapi.json";

/** Any token: the request only has to pass the admin API's token check. */
const TOKEN = "openapi-generator";

function bytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

/**
 * Runs `work` with workerd's `crypto.subtle.timingSafeEqual` (which the token check uses)
 * standing in on Node, where Web Crypto has none; removed again afterwards.
 */
async function withTimingSafeEqual<T>(work: () => Promise<T>): Promise<T> {
  // Node's global crypto is this webcrypto object, which the token check reads.
  const subtle = webcrypto.subtle as unknown as Record<string, unknown>;
  if (typeof subtle.timingSafeEqual === "function") return work();
  Object.defineProperty(subtle, "timingSafeEqual", {
    value: (a: ArrayBuffer | ArrayBufferView, b: ArrayBuffer | ArrayBufferView) => timingSafeEqual(bytes(a), bytes(b)),
    configurable: true,
    writable: true,
  });
  try {
    return await work();
  } finally {
    Reflect.deleteProperty(subtle, "timingSafeEqual");
  }
}

/** The admin API's OpenAPI document, as GET /_edgeway/openapi.json answers it. */
export async function openApiDocument(): Promise<Json> {
  const { admin } = await import("../../../src/admin/index.ts");
  const executionCtx = { waitUntil: () => undefined, passThroughOnException: () => undefined, props: {} };
  const response = await withTimingSafeEqual(async () =>
    admin.request("/openapi.json", { headers: { authorization: `Bearer ${TOKEN}` } }, { ADMIN_TOKEN: TOKEN }, executionCtx),
  );
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET /_edgeway/openapi.json answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as Json;
}
