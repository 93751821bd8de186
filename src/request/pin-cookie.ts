/**
 * Stage `pin cookie` (routes with cookie affinity): (re)writes the signed pin when the
 * response came from an origin the session should now stick to (steering/affinity.ts
 * `shouldWritePin`).
 */
import type { CompiledRoute } from "../config/compile.ts";
import { shouldWritePin } from "../steering/affinity.ts";
import { signPin } from "../steering/affinity-cookie.ts";
import type { RequestContext, Stage } from "./stage.ts";

/** The stage, or undefined when the route has no cookie affinity. */
export function pinCookieStage(route: CompiledRoute): Stage | undefined {
  const affinity = route.source.affinity;
  if (affinity?.type !== "cookie") return undefined;
  const { ttlSeconds } = affinity;

  async function write(context: RequestContext, key: CryptoKey, name: string, servedBy: string): Promise<undefined> {
    const value = await signPin(key, route.id, servedBy, Date.now(), ttlSeconds);
    const secure = context.url.protocol === "https:" ? "; Secure" : "";
    let response = context.response as Response;
    // The origin's own response has headers that cannot change: copy it to add the cookie.
    if (context.untouched) {
      response = new Response(response.body, response);
      context.response = response;
      context.untouched = false;
    }
    response.headers.append("set-cookie", `${name}=${value}; Path=/; Max-Age=${ttlSeconds}; HttpOnly; SameSite=Lax${secure}`);
    return undefined;
  }

  return {
    name: "pin cookie",
    run(context) {
      const { pin, last } = context;
      if (pin === undefined) return undefined;
      const servedBy = last?.kind === "response" ? last.selection.origin.id : undefined;
      if (servedBy === undefined || !shouldWritePin(affinity, pin.pinned, pin.state.kind, servedBy)) return undefined;
      return write(context, pin.key, pin.name, servedBy);
    },
  };
}
