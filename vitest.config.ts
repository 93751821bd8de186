/**
 * Four projects: `unit` runs the pure core (and the CLI) in Node; `worker` runs inside
 * workerd through @cloudflare/vitest-plugin, with real origin servers on 127.0.0.1
 * started by test/e2e/global-setup.ts; `colos` runs several `wrangler dev` processes as
 * colos sharing one Durable Object; `browser` drives headless Chromium against the demo.
 */
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { DOH_TEST_PORT } from "./test/e2e/doh-server.ts";

export const TEST_ADMIN_TOKEN = "test-admin-token";

/** The fast-check seed (test/setup/property-seed.ts): `FUZZ_SEED` if set, a fixed one under CI, else random. */
const propertySeed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : process.env.CI ? 20261204 : undefined;
const propertySetup = { provide: { propertySeed }, setupFiles: ["test/setup/property-seed.ts"] };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
          ...propertySetup,
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              // Local development switches: the debug geo header, and registrations of the test origins on 127.0.0.1.
              bindings: {
                ADMIN_TOKEN: TEST_ADMIN_TOKEN,
                ADMIN_READ_TOKEN: "test-read-token",
                EDGEWAY_DEBUG_HEADERS: "true",
                EDGEWAY_ALLOW_LOOPBACK_REGISTRATION: "true",
                // A Worker secret that origin headers name in test/e2e/origin-view.test.ts.
                ORIGIN_KEY: "test-origin-key-7f3a",
                // DNS discovery resolves through the real DoH server test/e2e/doh-server.ts starts.
                EDGEWAY_DOH_URL: `http://127.0.0.1:${DOH_TEST_PORT}/dns-query`,
              },
            },
          }),
        ],
        test: {
          name: "worker",
          include: ["test/worker/**/*.test.ts", "test/e2e/**/*.test.ts"],
          globalSetup: ["test/e2e/global-setup.ts", "test/e2e/protocol-origins.ts", "test/e2e/doh-server.ts"],
          ...propertySetup,
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        // Several real `wrangler dev` processes playing colos (scripts/lib/colos/): ~30 s to
        // start, so a project of its own (`npx vitest run --project colos`).
        test: {
          name: "colos",
          include: ["test/colos/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Headless Chromium against the running demo (scripts/demo.ts): starting wrangler
        // dev and waiting for probes takes tens of seconds.
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
