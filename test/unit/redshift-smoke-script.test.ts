import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

// scripts/redshift-smoke.sh cannot run here (no AWS account): this proves only that bash parses
// it and that it refuses to start without its arguments (exit 2, usage on stderr).
const SCRIPT = path.resolve(import.meta.dirname, "../../scripts/redshift-smoke.sh");

describe("scripts/redshift-smoke.sh", () => {
  it("parses (bash -n)", () => {
    expect(() => execFileSync("bash", ["-n", SCRIPT])).not.toThrow();
  });

  it("prints its usage and exits 2 without a stage", () => {
    let status: number | null = null;
    let stderr = "";
    try {
      execFileSync("bash", [SCRIPT], { stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      status = (error as { status: number }).status;
      stderr = String((error as { stderr: Buffer }).stderr);
    }
    expect(status).toBe(2);
    expect(stderr).toMatch(/^usage: .*redshift-smoke\.sh <stage>/);
  });
});
