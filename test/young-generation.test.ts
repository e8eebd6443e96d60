import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const MODULE = fileURLToPath(new URL("../runtime/lambda/young-generation.ts", import.meta.url));

/**
 * A process that allocates steadily and keeps some of it alive for a while (as a long load
 * does), started as Lambda's bootstrap starts one (a large `--max-semi-space-size`): its young
 * generation's size before and after, in bytes.
 */
async function youngGeneration(hold: boolean): Promise<{ before: number; after: number }> {
  const script = `
    import v8 from "node:v8";
    import { holdYoungGeneration } from ${JSON.stringify(MODULE)};
    const size = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size;
    if (${hold}) holdYoungGeneration();
    const before = size();
    const kept = [];
    for (let i = 0; i < 3_000_000; i++) {
      kept.push({ i, text: "row " + i });
      if (kept.length > 200_000) kept.splice(0, 100_000);
    }
    console.log(JSON.stringify({ before, after: size() }));
  `;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--max-semi-space-size=51", "--import", "tsx", "--input-type=module", "-e", script],
    { timeout: 60_000 },
  );
  return JSON.parse(stdout) as { before: number; after: number };
}

describe("holdYoungGeneration (the load function's process)", () => {
  it("keeps the young generation at its size however long the process allocates; without it, it grows", async () => {
    // Act
    const [held, free] = await Promise.all([youngGeneration(true), youngGeneration(false)]);

    // Assess
    expect(held.after).toBeLessThanOrEqual(held.before);
    expect(free.after).toBeGreaterThan(free.before * 2);
  }, 90_000);
});
