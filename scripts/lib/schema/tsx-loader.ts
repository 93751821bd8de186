/**
 * Lets Node load the worker's `.tsx` modules (the status page, through the admin API):
 * Node strips types from `.ts` files itself but knows no JSX, so a load hook compiles
 * `.tsx` files with esbuild (wrangler's and vite's own compiler) as tsconfig.json asks:
 * the automatic runtime from `hono/jsx`.
 */
import { register } from "node:module";

/** Registers the hook; call before importing any module that imports a `.tsx` file. */
export function registerTsxLoader(): void {
  const esbuild = import.meta.resolve("esbuild");
  const hooks = `
let esbuild;
export async function load(url, context, next) {
  if (!url.startsWith("file:") || !url.endsWith(".tsx")) return next(url, context);
  if (esbuild === undefined) {
    const mod = await import(${JSON.stringify(esbuild)});
    esbuild = mod.transform === undefined ? mod.default : mod;
  }
  const { readFile } = await import("node:fs/promises");
  const source = await readFile(new URL(url), "utf8");
  const out = await esbuild.transform(source, {
    loader: "tsx",
    format: "esm",
    jsx: "automatic",
    jsxImportSource: "hono/jsx",
    sourcefile: url,
  });
  return { format: "module", source: out.code, shortCircuit: true };
}`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}
