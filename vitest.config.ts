import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each file gets its own databases; two cores means two workers at most.
    maxWorkers: 2,
    env: {
      // Handlers' logs at error level only; tests that assert logs capture them explicitly.
      POWERTOOLS_LOG_LEVEL: "ERROR",
      POWERTOOLS_METRICS_DISABLED: "true",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
    reporters: ["default", "json"],
    outputFile: { json: ".totes/test-results.json" },
  },
});
