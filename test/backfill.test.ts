import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, type Pool } from "../lib/db/pool.js";
import { postgresWarehouse } from "../lib/warehouse/postgres.js";
import { deleteMissingDimRows, gatherRuns, type RunHistoryEntry } from "../ops/index.js";
import { s3Client } from "../runtime/aws/clients.js";
import { ObjectStore } from "../lib/store/object-store.js";
import { LocalPipeline } from "../runtime/local/pipeline.js";
import { initSource } from "../tools/source/init.js";
import { freshDatabaseUrl, useOwnCluster } from "./helpers/databases.js";
import { expectDimsEqualSourceJoin } from "./helpers/source-join.js";
import { afterDataDirLine } from "./helpers/cli.js";

const repo = path.resolve(import.meta.dirname, "..");

// Counts exactly what each extraction reads: other files' transactions must not widen its window.
useOwnCluster();

describe("backfill: tables re-read in full through the same queues and stages", () => {
  let dataDir: string;
  let local: LocalPipeline;
  let source: Pool;
  let warehouse: Pool;
  const count = async (sql: string) => Number((await warehouse.query(sql)).rows[0].n);

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "totes-backfill-"));
    const [sourceUrl, warehouseUrl] = await Promise.all([
      freshDatabaseUrl("bf_src"),
      freshDatabaseUrl("bf_wh"),
    ]);
    source = createPool(sourceUrl);
    warehouse = createPool(warehouseUrl);
    await initSource(source);
    local = await LocalPipeline.start(dataDir);
    await local.runOnce({ source, warehouse });
  });
  afterAll(async () => {
    await local.stop();
    await Promise.all([source.end(), warehouse.end()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  it("repairs damaged dims, adds no fact version, and leaves the other tables' cursors alone", async () => {
    // Prepare: the warehouse loses a dim row and has another overwritten; a source change waits.
    await warehouse.query("DELETE FROM dim_design WHERE design_id = 3");
    await warehouse.query("UPDATE dim_staff SET first_name = 'WRONG' WHERE staff_id = 13");
    await source.query("UPDATE currency SET last_updated = now() WHERE currency_id = 1");
    const facts = await count("SELECT count(*)::int AS n FROM fact_sales_order");

    // Act
    const summary = await local.runOnce({ source, warehouse, backfill: ["design", "staff", "sales_order"] });

    // Assess
    const read = Object.fromEntries(summary.extract.tables.map((t) => [t.table, t]));
    expect(read.sales_order).toMatchObject({ full: true, rows: 11187, from: null });
    expect(read.design).toMatchObject({ full: true });
    expect(read.staff).toMatchObject({ full: true, rows: 20 });
    expect(read.currency).toMatchObject({ full: false, rows: 1 });
    expect(read.payment).toMatchObject({ full: false, rows: 0, objectKeys: [] });
    expect(summary.deadLetters).toEqual({ transform: 0, load: 0 });
    expect(await count("SELECT count(*)::int AS n FROM fact_sales_order")).toBe(facts);
    await expectDimsEqualSourceJoin(source, warehouse);
    // The next ordinary run finds nothing new: the backfill moved the cursors on as a run does.
    const next = await local.runOnce({ source, warehouse });
    expect(next.extract.tables.filter((t) => t.rows > 0)).toEqual([]);
  });

  it("--delete-missing removes dim rows whose ids are gone at the source, and only those", async () => {
    // Prepare: a design made, loaded, then deleted at the source (no order refers to it).
    await source.query(
      `INSERT INTO design (design_id, design_name, file_location, file_name, created_at, last_updated)
       VALUES (9001, 'Doomed', '/tmp', 'doomed.json', now(), now())`,
    );
    await local.runOnce({ source, warehouse });
    expect(await count("SELECT count(*)::int AS n FROM dim_design WHERE design_id = 9001")).toBe(1);
    await source.query("DELETE FROM design WHERE design_id = 9001");

    // Act
    await local.runOnce({ source, warehouse, backfill: ["design"] });
    const kept = await count("SELECT count(*)::int AS n FROM dim_design WHERE design_id = 9001");
    const dry = await deleteMissingDimRows(source, postgresWarehouse(warehouse), ["design"], {
      dryRun: true,
    });
    const report = await deleteMissingDimRows(source, postgresWarehouse(warehouse), ["design", "currency"]);

    // Assess: the re-read alone cannot know of a deletion; the explicit flag removes it.
    expect(kept).toBe(1);
    expect(dry).toEqual([{ dim: "dim_design", source: "design", ids: [9001], deleted: 0 }]);
    expect(report).toEqual([
      { dim: "dim_design", source: "design", ids: [9001], deleted: 1 },
      { dim: "dim_currency", source: "currency", ids: [], deleted: 0 },
    ]);
    await expectDimsEqualSourceJoin(source, warehouse);
  });

  it("every run is recorded, newest first, with its windows, objects and load completion", async () => {
    // Act
    // The pipeline holds the data directory: read its buckets through its own endpoint.
    const store = new ObjectStore(s3Client(local.endpoint));
    const runs = await gatherRuns(
      { store, resources: local.pipeline.resources },
      postgresWarehouse(warehouse),
      3,
    );
    store.destroy();

    // Assess
    expect(runs).toHaveLength(3);
    // Labelled by what started them (issue 24, 7): the backfill, and two plain local runs.
    expect(runs.map((r) => r.trigger)).toEqual(["backfill", "run", "run"]);
    expect(
      [...runs]
        .map((r) => r.runAt)
        .sort()
        .reverse(),
    ).toEqual(runs.map((r) => r.runAt));
    for (const run of runs) {
      expect(run.complete).toBe(true);
      expect(run.loaded).toBe(run.objects);
      expect(run.secondsToLoaded).toBeGreaterThan(0);
    }
    const backfill = runs[0]!;
    expect(backfill.tables.find((t) => t.table === "design")).toMatchObject({ full: true, from: null });
    expect(backfill.tables.find((t) => t.table === "design")!.objects[0]).toMatchObject({
      transformed: true,
      loaded: true,
    });
  });
});

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `totes …` as a user runs it; `stopAfter` sends SIGINT once stderr has matched `line` (global) that many times. */
function totes(args: string[], env: Record<string, string>, stopAfter?: { line: RegExp; times: number }) {
  return new Promise<Finished>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repo, "bin/totes.mjs"), ...args], {
      cwd: repo,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    let sent = false;
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const seen = stopAfter ? (stderr.match(stopAfter.line) ?? []).length : 0;
      if (stopAfter && !sent && seen >= stopAfter.times) {
        sent = true;
        process.kill(-child.pid!, "SIGINT");
      }
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("totes runs after a `run --every` schedule", () => {
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "totes-runs-"));
    const [sourceUrl, warehouseUrl] = await Promise.all([
      freshDatabaseUrl("rn_src"),
      freshDatabaseUrl("rn_wh"),
    ]);
    const source = createPool(sourceUrl);
    await initSource(source);
    await source.end();
    env = { TOTES_SOURCE_URL: sourceUrl, TOTES_WAREHOUSE_URL: warehouseUrl, TOTES_PART_ROWS: "6000" };
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("lists each scheduled run, its parts, and that all of it is loaded", async () => {
    // Act: three runs of the schedule (with simulated activity), then `totes runs`.
    const schedule = await totes(["run", "--data-dir", dataDir, "--every", "1s", "--simulate"], env, {
      line: /^next run in/gm,
      times: 3,
    });
    const listed = await totes(["runs", "--data-dir", dataDir, "--json", "--limit", "5"], env);
    const text = await totes(["runs", "--data-dir", dataDir, "--limit", "2"], env);

    // Assess
    expect(schedule.code).toBe(130);
    expect(afterDataDirLine(listed.stderr)).toBe("");
    const runs = JSON.parse(listed.stdout) as RunHistoryEntry[];
    expect(runs.length).toBeGreaterThanOrEqual(3);
    for (const run of runs) {
      expect(run).toMatchObject({ trigger: "schedule", complete: true });
      expect(run.loaded).toBe(run.objects);
    }
    // The first run read every table in full; its payment (15,836 rows) came in three parts.
    const first = runs.at(-1)!;
    const payment = first.tables.find((t) => t.table === "payment")!;
    expect(payment.objects.map((o) => o.key)).toEqual([
      expect.stringMatching(/^payment\/\d{4}\/\d{2}\/\d{2}\/\d{8}T\d{9}Z-0001\.csv$/),
      expect.stringMatching(/-0002\.csv$/),
      expect.stringMatching(/-0003\.csv$/),
    ]);
    expect(runs[0]!.rows).toBeGreaterThan(0); // a simulated day's changes
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^extraction runs in data directory .*, newest first$/m);
    expect(text.stdout).toMatch(
      /^\S+Z {2}schedule {4}\d+ rows? in \d+ objects?, extracted in [\d.]+ s; loaded: all /m,
    );
    expect(text.stdout.match(/^\S+Z {2}schedule/gm)).toHaveLength(2);
  });

  it("`totes backfill` re-reads the tables named, locally, and says what it deleted", async () => {
    // Act
    const done = await totes(
      ["backfill", "--table", "staff", "design", "--delete-missing", "--data-dir", dataDir],
      env,
    );
    const neither = await totes(["backfill", "--data-dir", dataDir], env);
    const remote = await totes(["backfill", "--all", "--stage", "nowhere", "--delete-missing"], env);

    // Assess
    expect(done.stderr).not.toMatch(/\n\s+at |Error:/);
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/^ {2}staff +20 rows +→ staff\/\S+\.csv {2}\(read in full\)$/m);
    expect(done.stdout).toMatch(/^ {2}design +\d+ rows +→ design\/\S+\.csv {2}\(read in full\)$/m);
    expect(done.stdout).toContain("delete-missing: dim_staff: every natural id is still in staff");
    expect(done.stdout).toContain("delete-missing: dim_design: every natural id is still in design");
    expect(neither.code).toBe(1);
    expect(neither.stderr).toContain("totes: name the tables to backfill (--table T…) or pass --all");
    expect(remote.code).toBe(1);
    expect(remote.stderr).toContain(
      "--delete-missing runs where the source and the warehouse are both reachable",
    );
  });
});
