import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { formatError } from "../cli/errors.js";
import { buildProgram } from "../cli/program.js";
import { createPool, type Pool } from "../lib/db/pool.js";
import { loadObject } from "../lib/load/load.js";
import { PARQUET_SUFFIX, TABLES_PREFIX } from "../lib/pipeline/keys.js";
import type { ObjectStore } from "../lib/store/object-store.js";
import type { RunHistoryEntry } from "../ops/runs.js";
import type { PipelineStatus } from "../ops/status-report.js";
import { openLocalTarget } from "../runtime/local/ops-target.js";
import { localPipelineIdentity } from "../runtime/local/pipeline-identity.js";
import { initSource } from "../tools/source/init.js";
import { freshDatabaseUrl } from "./helpers/databases.js";
import { RedshiftStandIn, standInWarehouse } from "./helpers/redshift-standin.js";

/*
 * The operators' commands against a Redshift warehouse named by a redshift:// URL, end to end
 * through the command line: `status`, `runs`, `verify` and `warehouse claim` build their
 * warehouse with the CLI's one factory (cli/open-warehouse.ts), which makes a Data API client
 * with the caller's default credential chain. Here that client's class is the test's: it records
 * how it was made and what it was sent, and hands every call to the Data API stand-in, which runs
 * it on the embedded Postgres (test/helpers/redshift-standin.ts). The Redshift warehouse is
 * loaded from the data dir's own processed objects by the Redshift backend, all but fact_payment
 * at first, so every answer below can only have come from it and not the run's Postgres one.
 * What this cannot prove: that real IAM credentials, the Data API's answers and Redshift's SQL
 * behave as the stand-in does (docs/architecture.md lists it).
 */

const sdk = vi.hoisted(() => ({
  standIn: undefined as { send(command: unknown): Promise<unknown> } | undefined,
  /** The configuration each client was made with. */
  made: [] as Record<string, unknown>[],
  /** The input of every command sent. */
  sent: [] as Record<string, unknown>[],
  /** When set, every send fails with it (no credentials, no permission). */
  failure: undefined as Error | undefined,
}));

vi.mock("@aws-sdk/client-redshift-data", async (importOriginal) => {
  const real = await importOriginal<typeof import("@aws-sdk/client-redshift-data")>();
  class RedshiftDataClient {
    constructor(config: Record<string, unknown>) {
      sdk.made.push(config);
    }
    async send(command: { input: Record<string, unknown> }): Promise<unknown> {
      sdk.sent.push(command.input);
      if (sdk.failure) throw sdk.failure;
      return sdk.standIn!.send(command);
    }
    destroy(): void {}
  }
  return { ...real, RedshiftDataClient };
});

const REDSHIFT = "redshift://workgroup/totes-etl-ops/analytics";
const REGION = "eu-north-1";
const isPayment = (key: string) => key.startsWith(`${TABLES_PREFIX}fact_payment/`);

/** `totes …` in this process, as the CLI parses it: what it printed on stdout, its exit code, its error. */
async function totes(...args: string[]): Promise<{ out: string; code: number; error?: string }> {
  const printed: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((line: unknown) => void printed.push(String(line)));
  const err = vi.spyOn(console, "error").mockImplementation(() => undefined);
  process.exitCode = undefined;
  try {
    await buildProgram("test").exitOverride().parseAsync(args, { from: "user" });
    return { out: printed.join("\n"), code: Number(process.exitCode ?? 0) };
  } catch (error) {
    return { out: printed.join("\n"), code: 1, error: formatError(error) };
  } finally {
    process.exitCode = undefined;
    log.mockRestore();
    err.mockRestore();
  }
}

describe("status, runs, verify and warehouse claim on a Redshift warehouse, through the Data API", () => {
  let dataDir: string;
  let sourceUrl: string;
  let warehouseUrl: string;
  let redshiftDb: Pool;
  let postgresDb: Pool;
  let standIn: RedshiftStandIn;
  const saved = { region: process.env.AWS_REGION, warehouse: process.env.TOTES_WAREHOUSE_URL };

  /**
   * Loads the data dir's processed objects into the Redshift warehouse with its own backend, as a
   * stage's load would (`which` picks them); the data dir is held only meanwhile.
   */
  async function loadIntoRedshift(which: (key: string) => boolean): Promise<string[]> {
    const local = await openLocalTarget(dataDir, { readOnly: true });
    try {
      const { store } = local.target;
      const bucket = local.target.resources.processedBucket;
      const { warehouse } = standInWarehouse(redshiftDb, store);
      const pipeline = { id: "test:redshift-stage", description: "the test's Redshift stage" };
      const keys: string[] = [];
      for await (const o of store.list(bucket, TABLES_PREFIX))
        if (o.key.endsWith(PARQUET_SUFFIX) && which(o.key)) keys.push(o.key);
      for (const key of keys) await loadObject({ store, bucket, warehouse, pipeline }, key);
      return keys;
    } finally {
      await local.close();
    }
  }

  beforeAll(async () => {
    process.env.AWS_REGION = REGION;
    delete process.env.TOTES_WAREHOUSE_URL;
    dataDir = await mkdtemp(path.join(tmpdir(), "totes-redshift-ops-"));
    let redshiftUrl: string;
    [sourceUrl, warehouseUrl, redshiftUrl] = await Promise.all([
      freshDatabaseUrl("rso_src"),
      freshDatabaseUrl("rso_pg"),
      freshDatabaseUrl("rso_rs"),
    ]);
    const source = createPool(sourceUrl);
    await initSource(source);
    await source.end();
    // A local run leaves the data dir's state (extract cursors, runs, processed objects).
    const run = await totes("run", "--source", sourceUrl, "--warehouse", warehouseUrl, "--data-dir", dataDir);
    expect(run.error).toBeUndefined();
    postgresDb = createPool(warehouseUrl);
    redshiftDb = createPool(redshiftUrl);

    expect((await loadIntoRedshift((key) => !isPayment(key))).length).toBeGreaterThan(8);
    // What the commands' clients reach: the same database, through a stand-in of their own
    // (they only query; the loads above did the COPYs).
    standIn = new RedshiftStandIn(redshiftDb, undefined as unknown as ObjectStore);
    sdk.standIn = standIn;
  }, 300_000);

  afterAll(async () => {
    process.env.AWS_REGION = saved.region;
    if (saved.warehouse !== undefined) process.env.TOTES_WAREHOUSE_URL = saved.warehouse;
    await Promise.all([redshiftDb?.end(), postgresDb?.end()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  const count = async (pool: Pool, table: string) =>
    Number((await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n);

  it("status reads the Redshift warehouse's tables and ledger, with a client in the caller's region and credentials", async () => {
    sdk.made.length = 0;
    sdk.sent.length = 0;
    const { out, error } = await totes("status", "--data-dir", dataDir, "--warehouse", REDSHIFT, "--json");
    expect(error).toBeUndefined();
    const status = JSON.parse(out) as PipelineStatus;
    const warehouse = status.warehouse!;
    expect("tables" in warehouse, JSON.stringify(warehouse)).toBe(true);
    if (!("tables" in warehouse)) return;
    expect(warehouse.url).toBe("redshift workgroup totes-etl-ops, database analytics");
    const rows = Object.fromEntries(warehouse.tables.map((t) => [t.table, t.rows]));
    // The Redshift warehouse's counts, not the run's Postgres warehouse's: it lacks fact_payment.
    expect(rows.fact_payment).toBe(0);
    expect(await count(postgresDb, "fact_payment")).toBeGreaterThan(0);
    expect(rows.fact_sales_order).toBe(await count(redshiftDb, "fact_sales_order"));
    expect(rows.fact_sales_order).toBeGreaterThan(0);
    expect(warehouse.objectsLoaded).toBe(await count(redshiftDb, "totes_meta.loaded_object"));
    // One client, the default credential chain (no credentials given), AWS_REGION's region.
    expect(sdk.made).toEqual([{ region: REGION }]);
    const submitted = sdk.sent.filter((input) => "Sql" in input || "Sqls" in input);
    expect(submitted.length).toBeGreaterThan(0);
    for (const input of submitted)
      expect(input).toMatchObject({ WorkgroupName: "totes-etl-ops", Database: "analytics" });
  });

  it("runs reads the Redshift ledger: the run is incomplete while fact_payment's objects are missing there", async () => {
    const { out, error } = await totes("runs", "--data-dir", dataDir, "--warehouse", REDSHIFT, "--json");
    expect(error).toBeUndefined();
    const [run] = JSON.parse(out) as RunHistoryEntry[];
    expect(run!.complete).toBe(false);
    const payment = run!.tables.find((t) => t.table === "payment")!;
    expect(payment.objects.every((o) => o.loaded === false)).toBe(true);
    expect(run!.tables.find((t) => t.table === "sales_order")!.objects.every((o) => o.loaded)).toBe(true);
  });

  it("verify compares the source with Redshift in the Redshift verify dialect: fact_payment differs, then equal once loaded", async () => {
    standIn.statements.length = 0;
    const args = ["verify", "--data-dir", dataDir, "--source", sourceUrl, "--warehouse", REDSHIFT];
    const before = await totes(...args, "--table", "fact_payment", "dim_currency");
    expect(before.error).toBeUndefined();
    expect(before.code).toBe(1);
    expect(before.out).toContain(
      "warehouse redshift workgroup totes-etl-ops, database analytics in eu-north-1",
    );
    expect(before.out).toMatch(/^ {2}fact_payment +DIFFERS .* 0 current versions in the warehouse$/m);
    expect(before.out).toMatch(/^ {2}dim_currency +equal /m);
    // The warehouse side's checksums are Redshift SQL (verify's redshift dialect), run by the stand-in.
    expect(standIn.statements.some((s) => /STRTOL\(SUBSTRING\(MD5\(/i.test(s))).toBe(true);

    expect((await loadIntoRedshift(isPayment)).length).toBeGreaterThan(0);
    const after = await totes(...args, "--table", "fact_payment", "dim_currency", "--json");
    expect(after.error).toBeUndefined();
    const report = JSON.parse(after.out) as { equal: boolean; mismatches: number };
    expect(report).toMatchObject({ equal: true, mismatches: 0 });
    expect(after.code).toBe(0);

    const runs = await totes("runs", "--data-dir", dataDir, "--warehouse", REDSHIFT, "--json");
    expect((JSON.parse(runs.out) as RunHistoryEntry[])[0]!.complete).toBe(true);
  });

  it("warehouse claim hands the Redshift warehouse over to this data dir's pipeline", async () => {
    const { out, error } = await totes("warehouse", "claim", "--data-dir", dataDir, "--url", REDSHIFT);
    expect(error).toBeUndefined();
    const me = await localPipelineIdentity(dataDir);
    expect(out).toBe(
      `warehouse redshift workgroup totes-etl-ops, database analytics in ${REGION} handed over from the test's Redshift stage to ${me.description}`,
    );
    const { rows } = await redshiftDb.query<{ pipeline_id: string }>(
      "SELECT pipeline_id FROM totes_meta.owner",
    );
    expect(rows).toEqual([{ pipeline_id: me.id }]);
  });

  it("a Data API that refuses the caller fails naming the cluster, database and region, and what to grant", async () => {
    sdk.failure = Object.assign(new Error("Could not load credentials from any providers"), {
      name: "CredentialsProviderError",
    });
    try {
      const cluster = "redshift://cluster/prod-dw/analytics";
      const verify = await totes(
        "verify",
        "--data-dir",
        dataDir,
        "--source",
        sourceUrl,
        "--warehouse",
        cluster,
      );
      expect(verify.error).toBe(
        [
          `totes: warehouse (redshift cluster prod-dw, database analytics in ${REGION}): Could not load credentials from any providers`,
          "the Data API runs as your AWS identity (default credential chain, region from AWS_REGION): it needs redshift-data:ExecuteStatement, DescribeStatement and GetStatementResult, redshift:GetClusterCredentialsWithIAM on cluster prod-dw, and the grants docs/deploy.md lists for its database user",
        ].join("\n"),
      );
      const claim = await totes("warehouse", "claim", "--data-dir", dataDir, "--url", cluster);
      expect(claim.error).toMatch(
        /^totes: warehouse \(redshift cluster prod-dw, database analytics in eu-north-1\): /,
      );
      const status = await totes("status", "--data-dir", dataDir, "--warehouse", cluster, "--json");
      expect((JSON.parse(status.out) as PipelineStatus).warehouse).toEqual({
        url: "redshift cluster prod-dw, database analytics",
        error: "Could not load credentials from any providers",
      });
    } finally {
      sdk.failure = undefined;
    }
  });

  it("commands that reach Postgres only refuse a redshift:// warehouse, naming where it came from and what takes one", async () => {
    process.env.TOTES_WAREHOUSE_URL = REDSHIFT;
    try {
      const run = await totes("run", "--source", sourceUrl, "--data-dir", dataDir);
      expect(run.error).toBe(
        [
          `totes: TOTES_WAREHOUSE_URL: the warehouse database URL ${REDSHIFT} is a Redshift warehouse: this takes a postgres:// or postgresql:// URL only`,
          "status, runs, verify and warehouse claim take a redshift:// warehouse; a Redshift stage's functions load it (docs/deploy.md)",
        ].join("\n"),
      );
    } finally {
      delete process.env.TOTES_WAREHOUSE_URL;
    }
    const bad = await totes("status", "--data-dir", dataDir, "--warehouse", "redshift://workgroup/x/dev");
    expect(bad.error).toBe(
      'totes: --warehouse: the warehouse database URL names workgroup "x": 3 to 64 lower-case letters, digits and hyphens',
    );
  });
});
