import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, type Pool } from "../lib/db/pool.js";
import { initSource } from "../tools/source/init.js";
import { freshDatabaseUrl } from "./helpers/databases.js";

const repo = path.resolve(import.meta.dirname, "..");

/*
 * Issue 22, case 7 through the command line: views to re-apply while an analyst's transaction
 * reads one made `totes run` hang before extracting, printing nothing, and SIGTERM printed
 * "stopping…" and kept waiting. Now the wait is bounded and a SIGTERM during it stops the run
 * before anything is extracted.
 */

describe("`totes run` while an analyst holds a view the run must replace", () => {
  let dataDir: string;
  let sourceUrl: string;
  let warehouseUrl: string;
  let source: Pool;
  let warehouse: Pool;

  /** `totes run`; with `sigtermAfterMs`, SIGTERM to its pid that long after it names its warehouse. */
  function totesRun(sigtermAfterMs?: number) {
    return new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>(
      (resolve, reject) => {
        const started = Date.now();
        const child = spawn(
          process.execPath,
          [
            path.join(repo, "bin/totes.mjs"),
            "run",
            "--source",
            sourceUrl,
            "--warehouse",
            warehouseUrl,
            "--data-dir",
            dataDir,
          ],
          { cwd: repo, stdio: ["ignore", "pipe", "pipe"] },
        );
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        let sent = false;
        child.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
          if (sigtermAfterMs !== undefined && !sent && /^warehouse /m.test(stderr)) {
            sent = true;
            setTimeout(() => child.kill("SIGTERM"), sigtermAfterMs);
          }
        });
        child.once("error", reject);
        child.once("close", (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
      },
    );
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "totes-ddl-wait-"));
    [sourceUrl, warehouseUrl] = await Promise.all([freshDatabaseUrl("dw_src"), freshDatabaseUrl("dw_wh")]);
    source = createPool(sourceUrl);
    warehouse = createPool(warehouseUrl);
    await initSource(source);
    expect((await totesRun()).code).toBe(0);
  });
  afterAll(async () => {
    await Promise.all([source.end(), warehouse.end()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  async function holdTheView() {
    await warehouse.query(
      "UPDATE totes_meta.applied_ddl SET fingerprint = 'older' WHERE part = 'presentation'",
    );
    const analyst = await warehouse.connect();
    await analyst.query("BEGIN");
    await analyst.query("SELECT count(*) FROM fact_sales_order_current");
    return async () => {
      await analyst.query("ROLLBACK");
      analyst.release();
    };
  }

  it("goes on without the views, says so, and loads", async () => {
    // Prepare
    const release = await holdTheView();
    await source.query(
      "UPDATE design SET design_name = 'while held', last_updated = now() WHERE design_id = 4",
    );

    // Act
    const run = await totesRun().finally(release);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/views: the current-version views and comments were not re-applied/);
    expect((await warehouse.query("SELECT design_name FROM dim_design WHERE design_id = 4")).rows).toEqual([
      { design_name: "while held" },
    ]);
  });

  it("SIGTERM while it waits on the warehouse stops it before it extracts anything, exit 143", async () => {
    // Prepare
    const release = await holdTheView();
    await source.query(
      "UPDATE design SET design_name = 'never extracted', last_updated = now() WHERE design_id = 4",
    );

    // Act: the signal lands while the run waits for the view's lock (up to 5 s).
    const run = await totesRun(1_500).finally(release);

    // Assess
    expect(run.code).toBe(143);
    expect(run.ms).toBeLessThan(20_000);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).not.toMatch(/never extracted|dead letters:/);
    expect((await warehouse.query("SELECT design_name FROM dim_design WHERE design_id = 4")).rows).toEqual([
      { design_name: "while held" },
    ]);
  });
});
