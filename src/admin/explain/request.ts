/** The request to explain, built from the checked query and, where it is silent, from this call itself. */
import { clientOf, debugHeadersEnabled } from "../../request/client.ts";
import type { EdgewayEnv } from "../../env.ts";
import { DEBUG_GEO_HEADER, parseDebugGeo } from "../../routing/client.ts";
import type { ClientInfo } from "../../routing/client.ts";
import type { ClientField, ExplainRequest } from "../../steering/explain/index.ts";
import { splitCookie, splitHeader } from "./query.ts";
import type { Query } from "./query.ts";

function asList(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : typeof value === "string" ? [value] : value;
}

/** The client from the query, falling back to what this call itself carries. */
export function clientFor(query: Query, request: Request, env: EdgewayEnv): Pick<ExplainRequest, "client" | "clientSources"> {
  const ownIp = request.headers.get("cf-connecting-ip") ?? undefined;
  const ip = query.ip ?? ownIp;
  const ipSource = query.ip !== undefined ? "ip parameter" : "cf-connecting-ip";
  let client: ClientInfo;
  let geoSource: string;
  if (query.geo !== undefined) {
    client = parseDebugGeo(query.geo, ip);
    geoSource = "geo parameter";
  } else {
    client = clientOf(request, env, ip);
    geoSource = debugHeadersEnabled(env) && request.headers.has(DEBUG_GEO_HEADER) ? `${DEBUG_GEO_HEADER} header` : "request.cf";
  }
  const sources: Partial<Record<ClientField, string>> = {};
  for (const field of ["country", "continent", "colo", "lat", "lon"] as const) if (client[field] !== undefined) sources[field] = geoSource;
  if (client.ip !== undefined) sources.ip = ipSource;
  return { client, clientSources: sources };
}

/** The headers and cookies the query names, cookies in one Cookie header. */
export function headersFor(query: Query): Headers {
  const headers = new Headers();
  const cookies: string[] = [];
  for (const text of asList(query.header)) {
    const h = splitHeader(text);
    if (typeof h === "string") continue; // unreachable: the query schema checked it
    if (h.name === "cookie") cookies.push(h.value);
    else headers.append(h.name, h.value);
  }
  for (const text of asList(query.cookie)) {
    const c = splitCookie(text);
    if (typeof c !== "string") cookies.push(`${c.name}=${c.value}`);
  }
  // One Cookie header, "; "-joined, as a user agent sends it (RFC 6265 §5.4).
  if (cookies.length > 0) headers.set("cookie", cookies.join("; "));
  return headers;
}
