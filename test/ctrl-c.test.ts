import { spawn } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "../runtime/local/postgres/embedded.js";
import { createPool } from "../lib/db/pool.js";

const repo = path.resolve(import.meta.dirname, "..");

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `totes run` in a process group of its own, as a terminal runs a foreground job; `interrupt`
 * sends SIGINT to the whole group once stderr shows the run has reached the queues.
 */
function runTotes(dataDir: string, interrupt?: { afterLine: RegExp; delayMs: number }): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repo, "bin/totes.mjs"), "run", "--data-dir", dataDir], {
      cwd: repo,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, TOTES_SOURCE_URL: "", TOTES_WAREHOUSE_URL: "" },
    });
    let stdout = "";
    let stderr = "";
    let sent = false;
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (interrupt && !sent && interrupt.afterLine.test(stderr)) {
        sent = true;
        setTimeout(() => process.kill(-child.pid!, "SIGINT"), interrupt.delayMs);
      }
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("Ctrl-C during `totes run`", () => {
  let parent: string;
  let dataDir: string;

  beforeAll(async () => {
    // Traversable, so as root the embedded cluster lives inside it and goes with it.
    parent = await mkdtemp(path.join(tmpdir(), "totes-ctrl-c-"));
    await chmod(parent, 0o755);
    dataDir = path.join(parent, "data");
  });
  afterAll(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it("stops at a safe point with exit 130 and one line, and the next run converges", async () => {
    const stopped = await runTotes(dataDir, { afterLine: /^warehouse /m, delayMs: 1500 });
    expect(stopped.stderr).toMatch(/stopped: local state saved; \d+ messages? left/);
    expect(stopped.code).toBe(130);
    // No stack trace, no unhandled pg error, no summary of a run that did not finish.
    expect(stopped.stderr).not.toMatch(/\n\s+at |Unhandled|Connection terminated|Error:/);
    expect(stopped.stdout).not.toMatch(/dead letters:/);

    const resumed = await runTotes(dataDir);
    expect(resumed.stderr).not.toMatch(/\n\s+at |Error:/);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/dead letters: transform 0, load 0/);

    const cluster = await startEmbeddedPostgres(dataDir);
    const warehouse = createPool(await cluster.url("warehouse"));
    try {
      const counts = await warehouse.query<{
        sales: number;
        salesIds: number;
        payments: number;
        dates: number;
      }>(
        `SELECT (SELECT count(*)::int FROM fact_sales_order) AS sales,
                (SELECT count(DISTINCT sales_order_id)::int FROM fact_sales_order) AS "salesIds",
                (SELECT count(*)::int FROM fact_payment) AS payments,
                (SELECT count(*)::int FROM dim_date) AS dates`,
      );
      // The shipped sample, each version once: nothing lost, nothing duplicated.
      expect(counts.rows[0]).toMatchObject({ sales: 11187, salesIds: 11187, payments: 15836 });
      expect(counts.rows[0]!.dates).toBeGreaterThan(700);
    } finally {
      await warehouse.end();
      await cluster.stop();
    }
  });
});
