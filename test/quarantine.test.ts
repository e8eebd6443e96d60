import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  quarantineList,
  quarantineReplay,
  quarantineResolve,
  quarantineShow,
} from "../cli/commands/quarantine.js";
import { COLUMN_CHECKS, CURRENCY_NAMES } from "../lib/catalog/index.js";
import { createPool, type Pool } from "../lib/db/pool.js";
import type { QuarantineEntry } from "../lib/pipeline/quarantine.js";
import { LocalPipeline, type RunSummary } from "../runtime/local/pipeline.js";
import { initSource } from "../tools/source/init.js";
import { freshDatabaseUrl, useOwnCluster } from "./helpers/databases.js";
import { FIX_BAD_ORDERS, INSERT_BAD_ORDERS, expectOrdersSettled } from "./helpers/quarantine-case.js";

const root = path.resolve(import.meta.dirname, "..");

/** `totes …` as an operator types it; its exit code and output. */
async function totes(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["bin/totes.mjs", ...args], {
      cwd: root,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/*
 * Rows are stamped a few seconds in the past, as a writer's would be by the time the next
 * extraction runs (it leaves the last 5 s for the next run), and after the previous run's
 * high mark.
 */

useOwnCluster();

describe("row quarantine: a bad row is set aside, the rest of its file loads, the fixed version flows", () => {
  let dataDir: string;
  let sourceUrl: string;
  let warehouseUrl: string;
  let source: Pool;
  let warehouse: Pool;
  const where = () => ["--data-dir", dataDir];
  const run = () => totes("run", "--source", sourceUrl, "--warehouse", warehouseUrl, ...where());

  /** One in-process run, as `totes run` does it, with the data directory released after. */
  async function runOnce(): Promise<RunSummary> {
    const local = await LocalPipeline.start(dataDir);
    try {
      return await local.runOnce({ source, warehouse });
    } finally {
      await local.stop();
    }
  }
  const unsettled = async (table?: string) =>
    JSON.parse(
      await quarantineList({ dataDir, json: true, ...(table ? { table } : {}) }),
    ) as QuarantineEntry[];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "totes-quarantine-"));
    [sourceUrl, warehouseUrl] = await Promise.all([freshDatabaseUrl("q_src"), freshDatabaseUrl("q_wh")]);
    source = createPool(sourceUrl);
    warehouse = createPool(warehouseUrl);
    await initSource(source);
    await runOnce();
  });
  afterAll(async () => {
    await Promise.all([source.end(), warehouse.end()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  it("case 2 of issue 13, as written: the good rows load at once, the fixed rows after the fix; `totes run` exits 1 until then", async () => {
    // Sales orders 90001–90004; 90002 with agreed_delivery_date 2023-02-30, 90003 paying 'tomorrow'.
    await source.query(INSERT_BAD_ORDERS);

    const first = await run();
    expect(first.stdout).toMatch(/quarantined rows: 2 this run, 0 settled, 2 unsettled in all/);
    expect(first.stdout).toMatch(/dead letters: transform 0, load 0/);
    expect(first.stderr).toContain(`npx totes quarantine list --data-dir ${dataDir}`);
    expect(first.code).toBe(1);
    const loaded = await warehouse.query<{ id: number }>(
      "SELECT sales_order_id AS id FROM fact_sales_order WHERE sales_order_id > 90000 ORDER BY 1",
    );
    expect(loaded.rows.map((r) => r.id)).toEqual([90001, 90004]);

    const rows = await unsettled();
    expect(rows).toHaveLength(2);
    const key = rows[0]!.objectKey;
    expect(key).toMatch(/^sales_order\/\d{4}\/\d{2}\/\d{2}\/\d{8}T\d{9}Z\.csv$/);
    expect(rows.map(({ id, column, excerpt, error }) => ({ id, column, excerpt, error }))).toEqual([
      {
        id: "90002",
        column: "agreed_delivery_date",
        excerpt: "2023-02-30",
        error: expect.stringMatching(/column agreed_delivery_date: "2023-02-30" is not a yyyy-mm-dd date$/),
      },
      {
        id: "90003",
        column: "agreed_payment_date",
        excerpt: "tomorrow",
        error: expect.stringMatching(
          /row \d+, column agreed_payment_date: "tomorrow" is not a yyyy-mm-dd date$/,
        ),
      },
    ]);
    // The whole message names the table, the object, the row and the column.
    expect(rows[0]!.error.startsWith(`sales_order (${key}): row `)).toBe(true);
    const listed = await totes("quarantine", "list", ...where());
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain("2 unsettled quarantined rows");
    expect(listed.stdout).toContain(key);
    expect(listed.stdout).toContain(
      'column agreed_payment_date: "tomorrow" is not a yyyy-mm-dd date   [id 90003',
    );
    expect(await quarantineShow("sales_order", "90002", { dataDir })).toContain("status    unsettled");

    // The fix at the source, re-stamped; then the advice the issue followed, step by step.
    await source.query(FIX_BAD_ORDERS);
    const replay = await totes("dlq", "replay", "--queue", "transform", ...where());
    expect(replay.code).toBe(0);
    const second = await run();
    expect(second.stdout).toMatch(/quarantined rows: 0 this run, 2 settled, 0 unsettled in all/);
    expect(second.code).toBe(0);

    await expectOrdersSettled(source, warehouse);
    expect(await unsettled()).toEqual([]);
    const all = JSON.parse(await quarantineList({ dataDir, all: true, json: true })) as QuarantineEntry[];
    expect(all.map((e) => [e.id, e.resolved?.how])).toEqual([
      ["90002", "newer-version"],
      ["90003", "newer-version"],
    ]);
    // A third run, nothing new: exit 0, nothing quarantined.
    const third = await run();
    expect(third.code).toBe(0);
  });

  it("a dim: 2 bad rows of 4 → 2 loaded, 2 quarantined; after the source is fixed the warehouse equals the source", async () => {
    await source.query(`
      INSERT INTO currency (currency_code, created_at, last_updated)
      SELECT code, localtimestamp - interval '1 minute', localtimestamp - interval '1 minute'
        FROM unnest(ARRAY['JPY', 'XXX', 'ABC', 'CHF']) AS code`);
    const first = await runOnce();
    expect(first.quarantine).toEqual({ quarantined: 2, settled: 0, unsettled: 2 });
    expect(first.deadLetters).toEqual({ transform: 0, load: 0 });
    const codes = async () =>
      (
        await warehouse.query<{ c: string }>("SELECT currency_code AS c FROM dim_currency ORDER BY 1")
      ).rows.map((r) => r.c);
    expect(await codes()).toEqual(["CHF", "EUR", "GBP", "JPY", "USD"]);
    expect((await unsettled("currency")).map((e) => e.excerpt)).toEqual(["XXX", "ABC"]);

    await source.query(`
      UPDATE currency SET currency_code = CASE currency_code WHEN 'XXX' THEN 'SEK' ELSE 'NOK' END,
                          last_updated = localtimestamp - interval '6 seconds'
       WHERE currency_code IN ('XXX', 'ABC')`);
    const second = await runOnce();
    expect(second.quarantine).toEqual({ quarantined: 0, settled: 2, unsettled: 0 });
    const expected = (
      await source.query<{ currency_id: number; currency_code: string }>(
        "SELECT currency_id, currency_code FROM currency ORDER BY currency_id",
      )
    ).rows.map((r) => ({ ...r, currency_name: CURRENCY_NAMES[r.currency_code] }));
    const actual = await warehouse.query("SELECT * FROM dim_currency ORDER BY currency_id");
    expect(actual.rows).toEqual(expected);
  });

  it("after a catalog fix, `quarantine replay` re-validates the object and the rows that now pass flow", async () => {
    await source.query(`
      INSERT INTO currency (currency_code, created_at, last_updated)
      VALUES ('XTS', localtimestamp - interval '6 seconds', localtimestamp - interval '6 seconds')`);
    expect((await runOnce()).quarantine).toMatchObject({ quarantined: 1, unsettled: 1 });
    const [row] = await unsettled("currency");

    // Replaying before the fix changes nothing: the row fails again, no duplicate output.
    const dry = await quarantineReplay({ dataDir, dryRun: true });
    expect(dry).toContain("would send 1 object");
    expect(await quarantineReplay({ dataDir, table: "currency" })).toContain(`sent 1 object`);
    expect((await runOnce()).quarantine).toMatchObject({ quarantined: 1, unsettled: 1 });

    // The fix: the catalog learns the code (in this process, as a deploy of the fix would).
    const accepted = COLUMN_CHECKS.iso4217.accepted as string[];
    const names = CURRENCY_NAMES as Record<string, string>;
    accepted.push("XTS");
    names.XTS = "Code for testing purposes";
    try {
      await quarantineReplay({ dataDir, object: [row!.objectKey] });
      const after = await runOnce();
      expect(after.quarantine).toEqual({ quarantined: 0, settled: 1, unsettled: 0 });
      expect(after.deadLetters).toEqual({ transform: 0, load: 0 });
    } finally {
      accepted.pop();
      delete names.XTS;
    }
    const xts = await warehouse.query("SELECT currency_name FROM dim_currency WHERE currency_code = 'XTS'");
    expect(xts.rows).toEqual([{ currency_name: "Code for testing purposes" }]);
    const [settled] = JSON.parse(
      await quarantineList({ dataDir, table: "currency", all: true, json: true }),
    ).filter((e: QuarantineEntry) => e.objectKey === row!.objectKey) as QuarantineEntry[];
    expect(settled?.resolved?.how).toBe("passed-on-replay");
  });

  it("an operator can settle a row by hand, with a note; it stays listed as settled", async () => {
    await source.query(`
      INSERT INTO currency (currency_code, created_at, last_updated)
      VALUES ('QQQ', localtimestamp - interval '6 seconds', localtimestamp - interval '6 seconds')`);
    await runOnce();
    const [row] = await unsettled("currency");
    await expect(quarantineResolve("currency", row!.objectKey, { dataDir })).rejects.toThrow(/--note/);
    expect(
      await quarantineResolve("currency", row!.objectKey, {
        dataDir,
        note: "test code, deleted at the source",
      }),
    ).toMatch(/settled 1 quarantined row/);
    expect(await unsettled()).toEqual([]);
    const text = await quarantineList({ dataDir, all: true });
    expect(text).toContain("settled by an operator: test code, deleted at the source");
  });
});
