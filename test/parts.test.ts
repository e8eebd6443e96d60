import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, type Pool } from "../lib/db/pool.js";
import { extract } from "../lib/extract/extract.js";
import { loadObject } from "../lib/load/load.js";
import type { Buckets } from "../lib/pipeline/location.js";
import { ObjectStore } from "../lib/store/object-store.js";
import { transformObject } from "../lib/transform/transform.js";
import { postgresWarehouse } from "../lib/warehouse/postgres.js";
import { s3Client } from "../runtime/aws/clients.js";
import { LocalPipeline } from "../runtime/local/pipeline.js";
import { startLocalAws, type LocalAws } from "../runtime/local/index.js";
import { initSource } from "../tools/source/init.js";
import { Random } from "../tools/source/random.js";
import { freshDatabaseUrl, freshPool } from "./helpers/databases.js";
import { SAMPLE_PARTS, expectSamplePaymentInParts } from "./helpers/parts.js";
import { expectDimsEqualSourceJoin } from "./helpers/source-join.js";
import { starContents } from "./helpers/star-contents.js";

describe("a window written in parts", () => {
  let source: Pool;
  const dirs: string[] = [];
  const pools: Pool[] = [];
  const locals: LocalPipeline[] = [];

  beforeAll(async () => {
    source = createPool(await freshDatabaseUrl("parts_src"));
    await initSource(source);
  });
  afterAll(async () => {
    for (const local of locals) await local.stop();
    await Promise.all([source.end(), ...pools.map((p) => p.end())]);
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function pipeline(name: string) {
    const dir = await mkdtemp(path.join(tmpdir(), `totes-${name}-`));
    dirs.push(dir);
    const warehouse = await freshPool(`${name}_wh`);
    pools.push(warehouse);
    const local = await LocalPipeline.start(dir);
    locals.push(local);
    return { local, warehouse };
  }

  it("the sample's payment table goes through the queues as several parts, loads completely and equals a one-part run", async () => {
    // Prepare
    const whole = await pipeline("parts_one");
    const split = await pipeline("parts_many");

    // Act
    const one = await whole.local.runOnce({ source, warehouse: whole.warehouse });
    const many = await split.local.runOnce({
      source,
      warehouse: split.warehouse,
      parts: SAMPLE_PARTS,
    });

    // Assess
    expectSamplePaymentInParts(many.extract.tables);
    expect(one.extract.tables.find((t) => t.table === "payment")!.objectKeys).toHaveLength(1);
    expect(many.deadLetters).toEqual({ transform: 0, load: 0 });
    const loaded = Object.fromEntries(many.loaded.map((t) => [t.table, t]));
    expect(loaded.fact_payment).toMatchObject({ objects: 4, rowsIn: 15836, rowsWritten: 15836 });
    // sales_order (11,187 rows) and transaction (15,836) are in parts too; every star table is equal.
    expect(await starContents(split.warehouse)).toEqual(await starContents(whole.warehouse));
    await expectDimsEqualSourceJoin(source, split.warehouse);
  });
});

describe("parts of staff and department racing in the transform", () => {
  let aws: LocalAws;
  let dir: string;
  let source: Pool;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "totes-race-"));
    // The local runtime's S3, which honours If-Match as AWS does: the join state's guard.
    aws = await startLocalAws({ dataDir: dir });
    // One source for every seed: each seed moves staff on from where the last left them.
    source = await freshPool("race_src");
    await initSource(source);
  });
  afterAll(async () => {
    await source.end();
    await aws.stop();
    await rm(dir, { recursive: true, force: true });
  });

  function shuffled<T>(items: readonly T[], random: Random): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = random.int(0, i);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  const dimStaffJoin = `SELECT staff_id, first_name, last_name, department_name, location, email_address
                          FROM staff JOIN department USING (department_id) ORDER BY staff_id`;

  it.each([1, 2, 3])(
    "any order, concurrency and duplication of the parts gives dim_staff equal to the source join (seed %i)",
    async (seed) => {
      // Prepare: staff moved between departments, some of them renamed; the buckets (and so the
      // join state) this seed's own.
      const random = new Random("parts-race", seed);
      const warehouse = await freshPool(`race${seed}_wh`);
      const s3 = s3Client(aws.endpoint);
      const buckets: Buckets = {
        store: new ObjectStore(s3),
        ingestionBucket: `race-ingestion-${seed}`,
        processedBucket: `race-processed-${seed}`,
      };
      try {
        for (const bucket of [buckets.ingestionBucket, buckets.processedBucket])
          await s3.send(new CreateBucketCommand({ Bucket: bucket }));
        for (let i = 0; i < 12; i++) {
          const department = random.int(1, 8);
          await source.query(
            `UPDATE staff SET department_id = $1, last_updated = last_updated + interval '1 day' WHERE staff_id = $2`,
            [department, random.int(1, 20)],
          );
          if (random.next() < 0.5)
            await source.query(
              `UPDATE department SET department_name = department_name || ' ' || $1::text,
                                     last_updated = last_updated + interval '1 day' WHERE department_id = $2`,
              [`${seed}.${i}`, department],
            );
        }

        // Act: staff (20 rows) in 5 parts of at most 4, department (8) in 2; every part
        // transformed once and some twice, four at a time (as Lambda runs them side by side), in
        // a shuffled order with jitter; then every Parquet object loaded shuffled, some twice.
        // A first extraction sets every table's cursor, so the backfill reads only these two.
        await extract({ source, store: buckets.store, bucket: buckets.ingestionBucket });
        const extracted = await extract({
          source,
          store: buckets.store,
          bucket: buckets.ingestionBucket,
          fullTables: ["staff", "department"],
          parts: { rows: 4, bytes: 1 << 20 },
        });
        const split = extracted.tables.filter((t) => t.table === "staff" || t.table === "department");
        expect(split.map((t) => [t.table, t.objectKeys.length])).toEqual([
          ["department", 2],
          ["staff", 5],
        ]);
        const keys = split.flatMap((t) => t.objectKeys);
        const queue = shuffled([...keys, ...keys.filter(() => random.next() < 0.4)], random);
        const results: Awaited<ReturnType<typeof transformObject>>[] = [];
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            for (let key = queue.shift(); key; key = queue.shift()) {
              await new Promise((r) => setTimeout(r, random.int(0, 40)));
              results.push(await transformObject(buckets, key));
            }
          }),
        );
        const parquet = [...new Set(results.flatMap((r) => r.outputs.map((o) => o.objectKey)))];
        const loads = shuffled([...parquet, ...parquet.filter(() => random.next() < 0.3)], random);
        const options = {
          store: buckets.store,
          bucket: buckets.processedBucket,
          warehouse: postgresWarehouse(warehouse),
        };
        for (const key of loads) await loadObject(options, key);

        // Assess
        const actual = await warehouse.query("SELECT * FROM dim_staff ORDER BY staff_id");
        expect(actual.rows).toHaveLength(20);
        expect(actual.rows).toEqual((await source.query(dimStaffJoin)).rows);
      } finally {
        buckets.store.destroy();
        await warehouse.end();
      }
    },
    180_000,
  );
});
