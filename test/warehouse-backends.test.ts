import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, type Pool } from "../lib/db/pool.js";
import { targetsFedBy } from "../lib/catalog/index.js";
import { BadObjectError } from "../lib/errors.js";
import { extract } from "../lib/extract/extract.js";
import { loadObject } from "../lib/load/load.js";
import { parseProcessedKey } from "../lib/pipeline/keys.js";
import type { Buckets } from "../lib/pipeline/location.js";
import { listQuarantine } from "../lib/pipeline/quarantine.js";
import { DuckSession } from "../lib/transform/duckdb-session.js";
import { transformObject, type TransformResult } from "../lib/transform/transform.js";
import { postgresPortableVerifyDialect, redshiftVerifyDialect, verify } from "../lib/verify/index.js";
import { WarehouseOwnedError } from "../lib/warehouse/ownership.js";
import { postgresWarehouse } from "../lib/warehouse/postgres.js";
import { redshiftPresentationDdl } from "../lib/warehouse/redshift/ddl.js";
import { DEFAULT_SCHEMAS } from "../lib/warehouse/schema.js";
import type { Warehouse } from "../lib/warehouse/warehouse.js";
import { initSource } from "../tools/source/init.js";
import { freshDatabaseUrl, freshPool } from "./helpers/databases.js";
import { MOVES_AND_RENAMES, MOVE_ORDERS, transformInOrder } from "./helpers/dim-moves.js";
import { startObjectStore, type TestObjectStore } from "./helpers/object-store.js";
import { SAMPLE_PARTS, expectSamplePaymentInParts } from "./helpers/parts.js";
import { prng } from "./helpers/prng.js";
import { FIX_BAD_ORDERS, INSERT_BAD_ORDERS, expectOrdersSettled } from "./helpers/quarantine-case.js";
import { standInWarehouse, type RedshiftStandIn } from "./helpers/redshift-standin.js";
import { expectDimsEqualSourceJoin } from "./helpers/source-join.js";
import { starContents } from "./helpers/star-contents.js";

/*
 * The load's guarantees, run against both backends from one suite: Postgres as deployed, and the
 * Redshift backend (its plans, guards and bookkeeping, unchanged) through a Data API stand-in that
 * executes on the embedded Postgres with no unique keys (test/helpers/redshift-standin.ts). What
 * passing proves for Redshift: the logic of its batches — idempotency, the read-order rule,
 * dedupe without keys, the owner guard, positional COPY's column check — is right. What it cannot:
 * that Redshift itself accepts the SQL's types and casts, maps the Parquet's types, locks and
 * retries as assumed (docs/architecture.md lists those).
 */

interface Backend {
  readonly name: string;
  /** The stand-in's record of what the Redshift backend sent (its last warehouse's). */
  readonly redshift?: { statements(): readonly string[]; batches(): readonly (readonly string[])[] };
  make(pool: Pool, buckets: TestObjectStore): Warehouse;
  readonly verifyDialects: Partial<Parameters<typeof verify>[0]>;
}

const BACKENDS: readonly Backend[] = [
  { name: "postgres", make: (pool) => postgresWarehouse(pool), verifyDialects: {} },
  (() => {
    let last: RedshiftStandIn | undefined;
    return {
      name: "redshift (stand-in on Postgres)",
      redshift: { statements: () => last?.statements ?? [], batches: () => last?.batches ?? [] },
      make: (pool: Pool, buckets: TestObjectStore) => {
        const made = standInWarehouse(pool, buckets.store);
        last = made.standIn;
        return made.warehouse;
      },
      verifyDialects: { dialect: postgresPortableVerifyDialect, warehouseDialect: redshiftVerifyDialect },
    };
  })(),
];

const pipeline = { id: "test:backends", description: "the test pipeline" };

/**
 * The dim-moves scenario's objects (test/dim-moves.test.ts), made once and loaded by each backend:
 * what the transform makes of each order is not the backend's to prove. One source, the sample
 * extracted, then MOVES_AND_RENAMES extracted; per order a processed bucket of its own (the join
 * state lives there), the sample's dim sources transformed into it, then the moved CSVs in the
 * order's order.
 */
interface MovesFixture {
  readonly source: Pool;
  readonly objects: TestObjectStore;
  readonly orders: readonly {
    readonly processedBucket: string;
    readonly sample: string[];
    readonly moved: string[];
  }[];
}
let movesFixture: Promise<MovesFixture> | undefined;
const moves = (): Promise<MovesFixture> =>
  (movesFixture ??= (async () => {
    const [objects, source] = await Promise.all([startObjectStore(), freshPool("bk_mv_src")]);
    await initSource(source);
    const csvOf = async () =>
      (await extract({ source, store: objects.store, bucket: objects.ingestionBucket })).tables.filter(
        (t) => t.objectKey,
      );
    // Only the tables that feed a dim: the facts play no part in how dims converge.
    const sampleCsv = (await csvOf())
      .filter((t) => targetsFedBy(t.table).some((target) => target.kind === "dim"))
      .flatMap((t) => t.objectKeys);
    await source.query(MOVES_AND_RENAMES);
    const movedCsv = new Map((await csvOf()).map((t) => [t.table, t.objectKey!]));
    const orders = [];
    for (const [i, order] of MOVE_ORDERS.entries()) {
      const buckets: Buckets = { ...objects, processedBucket: `processed-mv-${i}` };
      await objects.createBucket(buckets.processedBucket);
      const sample: string[] = [];
      for (const key of sampleCsv)
        sample.push(...(await transformObject(buckets, key)).outputs.map((o) => o.objectKey));
      const moved = await transformInOrder(buckets, movedCsv, order[1], order[2]);
      orders.push({ processedBucket: buckets.processedBucket, sample, moved });
    }
    return { source, objects, orders };
  })());
afterAll(async () => {
  const made = await movesFixture;
  if (made) await Promise.all([made.objects.stop(), made.source.end()]);
});

for (const backend of BACKENDS)
  describe(`the load's guarantees on ${backend.name}`, () => {
    let buckets: TestObjectStore;
    let source: Pool;
    const pools: Pool[] = [];

    beforeAll(async () => {
      [buckets, source] = await Promise.all([startObjectStore(), freshPool("bk_src")]);
      await initSource(source);
    }, 120_000);
    afterAll(async () => {
      await Promise.all([buckets.stop(), source.end(), ...pools.map((p) => p.end())]);
    });

    async function freshWarehouse(): Promise<{ pool: Pool; warehouse: Warehouse }> {
      const pool = await freshPool("bk_wh");
      pools.push(pool);
      return { pool, warehouse: backend.make(pool, buckets) };
    }

    /** Extract everything new (into `into`'s ingestion bucket), transform each CSV: what each transform did. */
    async function transformed(
      into: Buckets = buckets,
      options: { parts?: typeof SAMPLE_PARTS } = {},
    ): Promise<{ tables: Awaited<ReturnType<typeof extract>>["tables"]; results: TransformResult[] }> {
      const extracted = await extract({
        source,
        store: into.store,
        bucket: into.ingestionBucket,
        ...options,
      });
      const results: TransformResult[] = [];
      for (const key of extracted.tables.flatMap((t) => t.objectKeys))
        results.push(await transformObject(into, key));
      return { tables: extracted.tables, results };
    }
    const keysOf = (results: readonly TransformResult[]) =>
      results.flatMap((r) => r.outputs.map((o) => o.objectKey));

    /** Extract everything new, transform it: the processed keys. */
    const extractAndTransform = async (): Promise<string[]> => keysOf((await transformed()).results);

    const load = (warehouse: Warehouse, key: string, who = pipeline, bucket = buckets.processedBucket) =>
      loadObject({ store: buckets.store, bucket, warehouse, pipeline: who }, key);

    const counts = async (pool: Pool) =>
      (
        await pool.query<{ t: string; n: number }>(
          `SELECT relname AS t, n_live_tup::int AS n FROM pg_stat_user_tables WHERE schemaname = 'public' ORDER BY 1`,
        )
      ).rows;
    const rowsOf = async (pool: Pool) => {
      const out: Record<string, number> = {};
      for (const { t } of await counts(pool))
        out[t] = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM public."${t}"`)).rows[0]!.n;
      return out;
    };

    const verifyEqual = async (warehouse: Warehouse) => {
      const report = await verify({ source, warehouse, ...backend.verifyDialects });
      expect(
        report.tables.filter((t) => t.mismatches > 0).map((t) => t.table),
        "tables that differ from the source",
      ).toEqual([]);
      expect(report.equal).toBe(true);
    };

    let first: string[] = [];
    let second: string[] = [];
    /** The sample loaded from one object per table (the first test's warehouse). */
    let onePart: Pool;

    it("loads the sample, and verify finds the warehouse equal to the source", async () => {
      const { pool, warehouse } = await freshWarehouse();
      onePart = pool;
      first = await extractAndTransform();
      for (const key of first) expect((await load(warehouse, key)).alreadyLoaded).toBe(false);
      await verifyEqual(warehouse);
      expect(await warehouse.checkReferences()).toEqual([]);
      if (backend.redshift) {
        // As on Redshift: no key enforced anywhere, and every object staged by a Parquet COPY from S3.
        const { rows } = await pool.query(
          `SELECT count(*)::int AS n FROM pg_constraint c JOIN pg_namespace s ON s.oid = c.connamespace
            WHERE c.contype IN ('p', 'u') AND s.nspname IN ('public', 'totes_meta')`,
        );
        expect(rows[0].n).toBe(0);
        expect(backend.redshift.statements().filter((s) => /FORMAT AS PARQUET$/.test(s))).toHaveLength(
          first.length,
        );
      }
    }, 600_000);

    it("is idempotent: the same objects again add nothing, by the ledger or, without it, by the versions", async () => {
      const { pool, warehouse } = await freshWarehouse();
      for (const key of first) await load(warehouse, key);
      const before = await rowsOf(pool);
      for (const key of first) expect((await load(warehouse, key)).alreadyLoaded).toBe(true);
      // Forget the ledger: the objects load again, and the version rules write nothing.
      await pool.query("DELETE FROM totes_meta.loaded_object");
      for (const key of first) expect((await load(warehouse, key)).rowsWritten).toBe(0);
      expect(await rowsOf(pool)).toEqual(before);
      await verifyEqual(warehouse);
    }, 600_000);

    it("loads a window written in parts completely, equal to a load of one object per table", async () => {
      // The same (unchanged) source read again from scratch, its large windows in parts.
      const parts: Buckets = {
        store: buckets.store,
        ingestionBucket: "ingestion-parts",
        processedBucket: "processed-parts",
      };
      await Promise.all([
        buckets.createBucket(parts.ingestionBucket),
        buckets.createBucket(parts.processedBucket),
      ]);
      const { tables, results } = await transformed(parts, { parts: SAMPLE_PARTS });
      expectSamplePaymentInParts(tables);
      const { pool, warehouse } = await freshWarehouse();
      for (const key of keysOf(results)) await load(warehouse, key, pipeline, parts.processedBucket);
      const loaded = Object.fromEntries((await warehouse.loadedSince(new Date(0))).map((t) => [t.table, t]));
      expect(loaded.fact_payment).toMatchObject({ objects: 4, rowsIn: 15836, rowsWritten: 15836 });
      // sales_order (11,187 rows) and transaction (15,836) are in parts too; every star table is equal.
      expect(await starContents(pool)).toEqual(await starContents(onePart));
      await expectDimsEqualSourceJoin(source, pool);
      await verifyEqual(warehouse);
    }, 600_000);

    it("converges under shuffled, duplicated deliveries of two runs with a staff move, a department rename and a correction", async () => {
      const { warehouse } = await freshWarehouse();
      // Run 2: staff 1 moves department, department 2 is renamed, a sales order is amended.
      await source.query(
        `UPDATE staff SET department_id = department_id % 8 + 1, last_updated = now() WHERE staff_id = 1`,
      );
      await source.query(
        `UPDATE department SET department_name = 'Renamed', last_updated = now() WHERE department_id = 2`,
      );
      await source.query(
        `UPDATE sales_order SET units_sold = units_sold + 1, last_updated = now() WHERE sales_order_id = 1`,
      );
      second = await extractAndTransform();
      const random = prng(23);
      const deliveries = [
        ...first,
        ...second,
        ...second.filter(() => random() < 0.5),
        ...first.filter(() => random() < 0.3),
      ];
      for (let i = deliveries.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
      }
      for (const key of deliveries) await load(warehouse, key);
      await verifyEqual(warehouse);
    }, 600_000);

    for (const [i, [label]] of MOVE_ORDERS.entries())
      it(`dims converge when a child moves while its parent changes, ${label}`, async () => {
        const fixture = await moves();
        const { sample, moved, processedBucket } = fixture.orders[i]!;
        const pool = await freshPool("bk_mv_wh");
        pools.push(pool);
        const warehouse = backend.make(pool, fixture.objects);
        const options = { store: fixture.objects.store, bucket: processedBucket, warehouse, pipeline };
        for (const key of [...sample, ...moved]) await loadObject(options, key);
        await expectDimsEqualSourceJoin(fixture.source, pool);
      }, 600_000);

    it("quarantines bad rows, loads the rest of their object, and the later read that passes settles them", async () => {
      // Case 2 of issue 13 over what the runs before loaded (this source has had two).
      const { pool, warehouse } = await freshWarehouse();
      for (const key of [...first, ...second]) await load(warehouse, key);
      await source.query(INSERT_BAD_ORDERS);
      const bad = (await transformed()).results;
      expect(bad.reduce((n, r) => n + r.rowsQuarantined, 0)).toBe(2);
      for (const key of keysOf(bad)) await load(warehouse, key);
      const loaded = await pool.query<{ id: number }>(
        "SELECT sales_order_id AS id FROM fact_sales_order WHERE sales_order_id > 90000 ORDER BY 1",
      );
      expect(loaded.rows.map((r) => r.id)).toEqual([90001, 90004]);
      const unsettled = async () =>
        (await listQuarantine(buckets.store, buckets.ingestionBucket, "sales_order"))
          .filter((e) => !e.resolved)
          .map((e) => [e.id, e.column]);
      expect(await unsettled()).toEqual([
        ["90002", "agreed_delivery_date"],
        ["90003", "agreed_payment_date"],
      ]);

      await source.query(FIX_BAD_ORDERS);
      const fixed = (await transformed()).results;
      expect(fixed.reduce((n, r) => n + r.rowsSettled, 0)).toBe(2);
      for (const key of keysOf(fixed)) await load(warehouse, key);
      await expectOrdersSettled(source, pool);
      expect(await unsettled()).toEqual([]);
      await verifyEqual(warehouse);
    }, 600_000);

    it("replaces the views and comments with their fingerprint all or nothing: a failure midway leaves the old ones", async () => {
      // Each start a process of its own: a new pool, so no backend reuses the last one's schema check.
      const url = await freshDatabaseUrl("bk_wh");
      const start = () => {
        const pool = createPool(url);
        pools.push(pool);
        return backend.make(pool, buckets);
      };
      const pool = createPool(url);
      pools.push(pool);
      expect((await start().ensureSchema()).presentation).toBe("applied");
      const fingerprint = async () =>
        (
          await pool.query<{ f: string }>(
            "SELECT fingerprint AS f FROM totes_meta.applied_ddl WHERE part = 'presentation'",
          )
        ).rows.map((r) => r.f);
      const applied = await fingerprint();
      expect(applied).toHaveLength(1);
      if (backend.redshift) {
        // One BatchExecuteStatement (one transaction) holds every view, every comment and the fingerprint.
        const batches = backend.redshift.batches();
        const withFingerprint = batches.filter((b) =>
          b.some((s) => /INSERT INTO "totes_meta"\."applied_ddl"/.test(s)),
        );
        expect(withFingerprint).toHaveLength(1);
        const text = withFingerprint[0]!.join("\n");
        for (const statement of redshiftPresentationDdl(DEFAULT_SCHEMAS)) expect(text).toContain(statement);
        expect(batches.filter((b) => b.some((s) => s.includes("COMMENT ON ")))).toHaveLength(1);
      }

      // The presentation of an earlier version: one view as it defined it, its comment, its fingerprint.
      await pool.query(
        "CREATE OR REPLACE VIEW public.fact_payment_current AS SELECT * FROM public.fact_payment",
      );
      await pool.query("COMMENT ON VIEW public.fact_payment_current IS 'the old view'");
      await pool.query("UPDATE totes_meta.applied_ddl SET fingerprint = 'old' WHERE part = 'presentation'");
      const presentationNow = async () =>
        (
          await pool.query<{ definition: string; comment: string | null }>(
            `SELECT pg_get_viewdef('public.fact_payment_current'::regclass) AS definition,
                    obj_description('public.fact_payment_current'::regclass, 'pg_class') AS comment`,
          )
        ).rows[0]!;
      const old = await presentationNow();
      // A fault in the middle: the first comment on a current view's column (after the views are
      // replaced and every table commented) fails, as a lost connection or a refused statement would.
      await pool.query(`
        CREATE FUNCTION public.planted_fault() RETURNS event_trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands() WHERE position('_current.' in object_identity) > 0) THEN
            RAISE EXCEPTION 'planted fault on a view column comment';
          END IF;
        END $$;
        CREATE EVENT TRIGGER planted_fault ON ddl_command_end WHEN TAG IN ('COMMENT') EXECUTE FUNCTION public.planted_fault();`);
      await expect(start().ensureSchema()).rejects.toThrow(/planted fault/);
      expect(await fingerprint()).toEqual(["old"]);
      expect(await presentationNow()).toEqual(old);

      // Healed, the next start applies the whole presentation and its fingerprint.
      await pool.query("DROP EVENT TRIGGER planted_fault; DROP FUNCTION public.planted_fault()");
      expect((await start().ensureSchema()).presentation).toBe("applied");
      expect(await fingerprint()).toEqual(applied);
      const now = await presentationNow();
      expect(now.definition).not.toBe(old.definition);
      expect(now.comment).toMatch(/^One row per /);
    }, 120_000);

    it("refuses a load by a pipeline other than the warehouse's owner, writing nothing", async () => {
      const { pool, warehouse } = await freshWarehouse();
      await warehouse.claim(pipeline);
      const other = { id: "test:other", description: "another pipeline" };
      await expect(load(warehouse, first[0]!, other)).rejects.toBeInstanceOf(WarehouseOwnedError);
      expect((await pool.query("SELECT count(*)::int AS n FROM totes_meta.loaded_object")).rows[0].n).toBe(0);
    }, 120_000);

    it("refuses an object holding one key twice, naming it, writing nothing (Redshift enforces no key: the plan's guard does)", async () => {
      const { pool, warehouse } = await freshWarehouse();
      const key = first.find((k) => parseProcessedKey(k)?.target === "dim_currency")!;
      const dir = await mkdtemp(path.join(tmpdir(), "totes-dup-"));
      const duck = await DuckSession.open();
      try {
        const original = path.join(dir, "in.parquet");
        await writeFile(original, (await buckets.store.getBytes(buckets.processedBucket, key))!.body);
        const doubled = path.join(dir, "out.parquet");
        await duck.run(
          `COPY (SELECT * FROM read_parquet('${original}') UNION ALL SELECT * FROM read_parquet('${original}'))
             TO '${doubled}' (FORMAT parquet, COMPRESSION snappy)`,
        );
        // Under its own key (a processed key is parsed): this warehouse has not loaded it.
        const twice = key;
        await buckets.store.putBytes(buckets.processedBucket, twice, await readFile(doubled));
        // Every currency twice.
        const rows = await duck.rows<{ n: bigint }>(
          `SELECT count(*) - 2 * count(DISTINCT currency_id) AS n FROM read_parquet('${doubled}')`,
        );
        expect(Number(rows[0]!.n)).toBe(0);
        const refused = await load(warehouse, twice).catch((e: unknown) => e);
        expect(refused, String(refused)).toBeInstanceOf(Error);
        if (backend.redshift) expect(String(refused)).toMatch(/holds one key more than once: \d+/);
        expect((await pool.query("SELECT count(*)::int AS n FROM totes_meta.loaded_object")).rows[0].n).toBe(
          0,
        );
        expect((await pool.query("SELECT count(*)::int AS n FROM public.dim_currency")).rows[0].n).toBe(0);
      } finally {
        await duck.close();
        await rm(dir, { recursive: true, force: true });
      }
    }, 120_000);

    it("refuses an object of another table's shape, naming it, writing nothing", async () => {
      const { pool, warehouse } = await freshWarehouse();
      const of = (target: string) => first.find((k) => parseProcessedKey(k)?.target === target)!;
      // dim_currency's Parquet where a dim_design object should be (the last test: it may overwrite).
      const key = of("dim_design");
      const bytes = (await buckets.store.getBytes(buckets.processedBucket, of("dim_currency")))!.body;
      await buckets.store.putBytes(buckets.processedBucket, key, bytes);
      const refused = await load(warehouse, key).catch((e: unknown) => e);
      expect(refused instanceof BadObjectError, String(refused)).toBe(true);
      // Redshift's columnar COPY maps by position and refuses another column count (15007).
      if (backend.redshift) expect(String(refused)).toMatch(/Unmatched number of columns/);
      expect((await pool.query("SELECT count(*)::int AS n FROM totes_meta.loaded_object")).rows[0].n).toBe(0);
    }, 120_000);
  });
