import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dlqList, dlqPurge, dlqReplay } from "../cli/commands/dlq.js";
import { buildProgram } from "../cli/program.js";
import { LocalPipeline } from "../runtime/local/pipeline.js";
import { readStatus } from "../cli/commands/status.js";
import { createPool, type Pool } from "../lib/db/pool.js";
import type { DeadLetter } from "../ops/index.js";
import { initSource } from "../tools/source/init.js";
import { closedPort, freshDatabaseUrl } from "./helpers/databases.js";

/** `totes run …` in this process, as the CLI parses it; returns the exit code it set. */
async function totesRun(args: string[]): Promise<number> {
  process.exitCode = undefined;
  const program = buildProgram("test").exitOverride();
  await program.parseAsync(["run", ...args], { from: "user" });
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return code;
}

const SECRET = "totes-test-secret-down";

describe("operator tools end to end: a warehouse that is down, the DLQ, replay, a complete warehouse", () => {
  let dataDir: string;
  let sourceUrl: string;
  let warehouseUrl: string;
  let downUrl: string;
  let warehouse: Pool;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "totes-ops-dlq-"));
    [sourceUrl, warehouseUrl] = await Promise.all([
      freshDatabaseUrl("opsd_src"),
      freshDatabaseUrl("opsd_wh"),
    ]);
    const source = createPool(sourceUrl);
    await initSource(source);
    await source.end();
    warehouse = createPool(warehouseUrl);
    downUrl = `postgres://totes:${SECRET}@127.0.0.1:${await closedPort()}/warehouse`;
  });
  afterAll(async () => {
    await warehouse.end();
    await rm(dataDir, { recursive: true, force: true });
  });

  let dead: DeadLetter[];

  it("a run whose warehouse goes down after it started leaves its load messages in the DLQ", async () => {
    // Prepare / Act: `totes run` itself refuses a warehouse that is down at the start, so the
    // run goes through the local pipeline directly, as a run whose warehouse died would.
    const local = await LocalPipeline.start(dataDir);
    const down = createPool(downUrl);
    const source = createPool(sourceUrl);
    try {
      const summary = await local.runOnce({ source, warehouse: down });
      expect(summary.deadLetters.load).toBeGreaterThan(10);
    } finally {
      await local.stop();
      await Promise.all([down.end(), source.end()]);
    }
    // Assess
    dead = JSON.parse(await dlqList({ queue: "load", dataDir, json: true })) as DeadLetter[];
    expect(dead.length).toBeGreaterThan(10);
    for (const letter of dead) {
      expect(letter.objectKeys).toHaveLength(1);
      expect(letter.objectKeys[0]).toMatch(/^tables\/.+\.parquet$/);
      expect(letter.receiveCount).toBe(3);
      expect(letter.failures.length).toBe(3);
      expect(letter.firstFailureAt! <= letter.lastFailureAt!).toBe(true);
      expect(letter.lastError).toMatch(/ECONNREFUSED/);
    }
    expect(await dlqList({ queue: "transform", dataDir })).toMatch(/DLQ of .* is empty/);
  });

  it("lists without consuming: a second listing shows the same messages", async () => {
    const again = JSON.parse(await dlqList({ queue: "load", dataDir, json: true })) as DeadLetter[];
    expect(again.map((l) => l.messageId).sort()).toEqual(dead.map((l) => l.messageId).sort());
  });

  it("`totes dlq list` as a user runs it shows each message, its object and its error, never the password", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["bin/totes.mjs", "dlq", "list", "--queue", "load", "--data-dir", dataDir],
      { cwd: path.resolve(import.meta.dirname, "..") },
    );
    expect(stdout).toContain(`${dead.length} messages in the load DLQ of data directory ${dataDir}`);
    for (const letter of dead) {
      expect(stdout).toContain(letter.messageId);
      expect(stdout).toContain(letter.objectKeys[0]);
    }
    expect(stdout).toMatch(/error: +connect ECONNREFUSED 127\.0\.0\.1/);
    expect(stdout).not.toContain(SECRET);
  });

  it("after the server is up, replay then run leaves the warehouse complete", async () => {
    const report = await dlqReplay({ queue: "load", dataDir });
    expect(report).toContain(`moved ${dead.length} messages from the load DLQ`);

    const code = await totesRun(["--source", sourceUrl, "--warehouse", warehouseUrl, "--data-dir", dataDir]);
    expect(code).toBe(0);
    const count = async (table: string) =>
      Number((await warehouse.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]?.n);
    expect(await count("fact_sales_order")).toBe(11187);
    expect(await count("fact_purchase_order")).toBe(4649);
    expect(await count("fact_payment")).toBe(15836);

    const status = await readStatus({ dataDir, warehouse: warehouseUrl });
    expect(status.queues.loadDlq).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(status.queues.load.visible).toBe(0);
    expect(status.tables.find((t) => t.table === "sales_order")?.cursor).toBeTruthy();
    expect(status.lastRun?.rows).toBeGreaterThan(0);
    const rows = Object.fromEntries(
      "tables" in status.warehouse! ? status.warehouse.tables.map((t) => [t.table, t.rows]) : [],
    );
    expect(rows).toMatchObject({ fact_sales_order: 11187, fact_purchase_order: 4649, fact_payment: 15836 });
    expect(JSON.stringify(status)).not.toContain(new URL(warehouseUrl).password || "\u0000");
    // One time format: ISO 8601 UTC, whatever the warehouse session's time zone.
    const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
    expect("lastLoadedAt" in status.warehouse! ? status.warehouse.lastLoadedAt : undefined).toMatch(iso);
    expect(status.lastRun?.runAt).toMatch(iso);
    expect(status.tables.find((t) => t.table === "sales_order")?.lastExtractedAt).toMatch(iso);
  });

  it("refuses to purge without --yes, and purges with it", async () => {
    await expect(dlqPurge({ queue: "load", dataDir })).rejects.toThrow(/--yes/);
    expect(await dlqPurge({ queue: "load", dataDir, yes: true })).toMatch(/0 messages deleted/);
  });
});
