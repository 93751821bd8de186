/** Field shapes the config document's parts share: ids, coordinates, origin URLs, host names. */
import { z } from "zod";

/** Ids appear in metrics labels, cookies and URLs: keep them short and plain. */
export const Id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "must be 1–64 characters of A–Z, a–z, 0–9, '.', '_' or '-', starting with a letter or digit");

export const Latitude = z.number().min(-90).max(90);
export const Longitude = z.number().min(-180).max(180);

export const OriginUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: "custom", message: `not a URL: ${JSON.stringify(value)}` });
    return;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    ctx.addIssue({ code: "custom", message: `must be http:// or https://, got ${url.protocol}//` });
  }
  if (url.search !== "" || url.hash !== "") {
    ctx.addIssue({ code: "custom", message: "must not carry a query string or fragment" });
  }
  if (url.username !== "" || url.password !== "") {
    ctx.addIssue({ code: "custom", message: "must not carry credentials; use origin headers instead" });
  }
});

/** Longest accepted region name: the catalogue's longest is well under half of it. */
export const REGION_NAME_MAX = 64;

/** A DNS host name, no port (the port comes from the origin URL). */
export const HostName = z
  .string()
  .max(253)
  .regex(
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i,
    "must be a host name, e.g. api.example.com (no scheme or port)",
  )
  .transform((name) => name.toLowerCase());
