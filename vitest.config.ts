import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each file gets its own databases; two cores means two workers at most.
    maxWorkers: 2,
    reporters: ["default", "json"],
    outputFile: { json: ".totes/test-results.json" },
  },
});
