import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/platform.js";

// The GitHub workflow checks what .ci/run checks (README: .ci/run gates CI), on the same Node versions.
const ciRun = readFileSync(path.join(ROOT, ".ci/run"), "utf8");
const workflow = readFileSync(path.join(ROOT, ".github/workflows/test-and-deploy.yml"), "utf8");

const CHECKS = [
  ["installs", "npm ci"],
  ["builds SST's platform code", "node scripts/ensure-sst.mjs"],
  ["type-checks", "npm run typecheck"],
  ["lints", "npm run lint"],
  ["install sqlfluff for the Redshift grammar gate", "sqlfluff"],
  ["runs the tests", "npm test"],
  ["looks for test secrets in the test output", 'grep -q "totes-test-secret"'],
  ["audits the dependencies", "node scripts/audit.mjs"],
  ["installs and starts from a private clone as root", "scripts/check-private-clone.sh"],
] as const;

describe("the GitHub workflow and .ci/run", () => {
  it.each(CHECKS)("both %s (%s)", (_, command) => {
    expect(ciRun).toContain(command);
    expect(workflow).toContain(command);
  });

  it("tests on Node 20 and on Node 22, Lambda's runtime", () => {
    expect(workflow).toMatch(/node: \[20, 22\]/);
    expect(ciRun).toMatch(/NODE22_VERSION=22\./);
    expect(readFileSync(path.join(ROOT, "stacks/functions.ts"), "utf8")).toContain('runtime: "nodejs22.x"');
  });

  it("caches SST's platform code, keyed by the sst version", () => {
    expect(workflow).toMatch(/path: \.sst\/platform\n\s+key: sst-platform-.*steps\.sst\.outputs\.version/);
  });
});
