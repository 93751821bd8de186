/**
 * Edgeway's layers, checked by `npm run lint` (dependency-cruiser). The core (config,
 * routing, steering, health, discovery, rollout) is pure TypeScript that runs anywhere: in the
 * worker, in unit tests and in the steering simulator. The shell (state, proxy, probes,
 * admin, observe and the entry files) touches the runtime: bindings, fetch, the Durable Object,
 * caches, logs. The shell may import the core; the core never imports the shell.
 * See docs/architecture.md.
 */
const CORE = "^src/(config|routing|steering|health|discovery|rollout)/";
const SHELL = "^src/(state|proxy|request|admin|observe|probes)/|^src/(index|app|data-plane|isolate|scheduled)\\.tsx?$";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "core-imports-shell",
      severity: "error",
      comment:
        "The pure core (config, routing, steering, health, discovery, rollout) must not import the runtime shell (state, proxy, admin, observe, entry files). Move the shared piece down into the core, or pass it in (a function or a tiny interface).",
      from: { path: CORE },
      to: { path: SHELL },
    },
    {
      name: "util-is-a-leaf",
      severity: "error",
      comment: "src/util holds helpers that know nothing of Edgeway: they import nothing from the rest of src.",
      from: { path: "^src/util/" },
      to: { path: "^src/", pathNot: "^src/util/" },
    },
    {
      name: "src-imports-tooling",
      severity: "error",
      comment: "The worker never imports tests, scripts or benchmarks.",
      from: { path: "^src/" },
      to: { path: "^(test|scripts|bench)/" },
    },
    {
      name: "only-the-shell-imports-admin",
      severity: "error",
      comment: "The admin API sits on top: only the app and the entry files import it.",
      from: { path: "^src/", pathNot: "^src/(admin/|app\\.ts|index\\.ts)" },
      to: { path: "^src/admin/" },
    },
    {
      name: "no-circular",
      severity: "error",
      comment: "Import cycles make the load order fragile and the layers unreadable.",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "An import that resolves to no file.",
      from: {},
      to: { couldNotResolve: true, pathNot: "^cloudflare:" },
    },
    {
      name: "core-imports-runtime",
      severity: "error",
      comment: "The pure core must not import the Workers runtime (cloudflare:*): I/O belongs to the shell.",
      from: { path: CORE },
      to: { path: "^cloudflare:" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "workerd"] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
