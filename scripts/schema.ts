/**
 * `npm run schema`: writes what is generated from the code, so it cannot drift from it:
 *
 *   edgeway.schema.json        the config document's JSON Schema (draft 2020-12), from the
 *                              zod schemas in src/config/; documents name it in "$schema"
 *   docs/config-reference.md   the config reference page, from that JSON Schema
 *   docs/openapi.json          the admin API's OpenAPI document (GET /_edgeway/openapi.json)
 *
 * `npm run schema -- --check` writes nothing: it exits 1 naming each file that differs from
 * what would be generated (test/unit/schema-current.test.ts makes the same check in
 * `npm test`). Exit codes: 0 written or current, 1 out of date (--check), 2 usage.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { registerTsxLoader } from "./lib/schema/tsx-loader.ts";
import { registerWorkersStub } from "./lib/workers-stub.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const USAGE = "Usage: npm run schema [-- --check]\n  --check   write nothing; exit 1 naming each generated file that is out of date\n";

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const unknown = args.filter((arg) => arg !== "--check");
if (unknown.length > 0) {
  process.stderr.write(`unknown argument ${unknown.map((a) => JSON.stringify(a)).join(", ")}\n${USAGE}`);
  process.exit(2);
}
const check = args.includes("--check");

// The admin modules import cloudflare:workers and the status page's .tsx: stand-ins first.
registerWorkersStub();
registerTsxLoader();
const { generateFiles } = await import("./lib/schema/index.ts");

const stale: string[] = [];
for (const file of await generateFiles()) {
  const target = join(ROOT, file.path);
  const current = existsSync(target) ? readFileSync(target, "utf8") : undefined;
  if (current === file.text) {
    console.log(`${file.path}: current`);
    continue;
  }
  if (check) {
    stale.push(file.path);
    console.error(`${file.path}: ${current === undefined ? "missing" : "differs from what the code generates"}`);
    continue;
  }
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, file.text);
  console.log(`${file.path}: written`);
}
if (stale.length > 0) {
  console.error(`\n${stale.length} generated file(s) out of date: run npm run schema, and commit the result`);
  process.exit(1);
}
