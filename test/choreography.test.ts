import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { GetBucketNotificationConfigurationCommand } from "@aws-sdk/client-s3";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalPipeline } from "../runtime/local/pipeline.js";
import { s3Client, sqsClient } from "../runtime/aws/clients.js";
import { createPool, type Pool } from "../lib/db/pool.js";
import { ingestionKey } from "../lib/pipeline/keys.js";
import { readFailure } from "../lib/pipeline/failures.js";
import { readQuarantineRecord } from "../lib/pipeline/quarantine.js";
import { initSource } from "../tools/source/init.js";
import { ObjectStore } from "../lib/store/object-store.js";
import { freshDatabaseUrl } from "./helpers/databases.js";

describe("the choreography on the local runtime: S3 notifications → SQS → handlers → warehouse", () => {
  let dataDir: string;
  let local: LocalPipeline;
  let sourceUrl: string;
  let warehouseUrl: string;
  let source: Pool;
  let warehouse: Pool;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "totes-choreo-"));
    [sourceUrl, warehouseUrl] = await Promise.all([freshDatabaseUrl("ch_src"), freshDatabaseUrl("ch_wh")]);
    source = createPool(sourceUrl);
    warehouse = createPool(warehouseUrl);
    await initSource(source);
    local = await LocalPipeline.start(dataDir);
  });
  afterAll(async () => {
    await local.stop();
    await Promise.all([source.end(), warehouse.end()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  it("configures the notifications through the S3 API", async () => {
    const s3 = s3Client(local.endpoint);
    const ingestion = await s3.send(
      new GetBucketNotificationConfigurationCommand({ Bucket: local.pipeline.resources.ingestionBucket }),
    );
    expect(ingestion.QueueConfigurations).toEqual([
      expect.objectContaining({
        QueueArn: local.pipeline.transformQueue.arn,
        Events: ["s3:ObjectCreated:*"],
        Filter: { Key: { FilterRules: [expect.objectContaining({ Value: ".csv" })] } },
      }),
    ]);
    const processed = await s3.send(
      new GetBucketNotificationConfigurationCommand({ Bucket: local.pipeline.resources.processedBucket }),
    );
    expect(processed.QueueConfigurations?.[0]?.QueueArn).toBe(local.pipeline.loadQueue.arn);
  });

  it("runs the sample end to end with nothing dead-lettered", async () => {
    const progress: [string, number, number, number][] = [];
    const summary = await local.runOnce({
      source,
      warehouse,
      onExtractTable: (t, done, total) => progress.push([t.table, t.rows, done, total]),
    });
    expect(summary.deadLetters).toEqual({ transform: 0, load: 0 });
    // Extraction progress: every source table, as each one is stored, in order.
    expect(progress.map(([, , done, total]) => `${done}/${total}`)).toEqual(
      Array.from({ length: 11 }, (_, i) => `${i + 1}/11`),
    );
    expect(progress).toContainEqual(["sales_order", 11187, expect.any(Number), 11]);
    const loaded = Object.fromEntries(summary.loaded.map((t) => [t.table, t.rowsWritten]));
    expect(loaded).toMatchObject({ fact_sales_order: 11187, fact_purchase_order: 4649, fact_payment: 15836 });
  });

  it("sends a poisoned object to the DLQ after 3 receives while the rest of its batch succeeds (a bad row only quarantined)", async () => {
    const store = new ObjectStore(s3Client(local.endpoint));
    const bucket = local.pipeline.resources.ingestionBucket;
    const header = "currency_id,currency_code,created_at,last_updated";
    const poisoned = ingestionKey("currency", "20991231T000000001Z");
    const good = ingestionKey("currency", "20991231T000000002Z");
    // A bad row is quarantined and its file goes on; a file that is not the table's CSV fails whole.
    const badRow = ingestionKey("currency", "20991231T000000003Z");
    await Promise.all([
      store.putBytes(bucket, poisoned, `${header},symbol\n9,GBP,2024-11-16 10:00:00,2024-11-16 10:00:00,£\n`),
      store.putBytes(bucket, good, `${header}\n4,JPY,2024-11-16 10:00:00,2024-11-16 10:00:00\n`),
      store.putBytes(
        bucket,
        badRow,
        `${header}\n9,XXX,2024-11-16 10:00:00,2024-11-16 10:00:00\n5,CHF,2024-11-16 10:00:00,2024-11-16 10:00:00\n`,
      ),
    ]);
    const started = Date.now();
    await local.drain();
    expect(Date.now() - started).toBeLessThan(60_000);

    expect(await local.deadLetters()).toEqual({ transform: 1, load: 0 });
    const yen = await warehouse.query(
      "SELECT currency_code, currency_name FROM dim_currency WHERE currency_id = 4",
    );
    expect(yen.rows).toEqual([{ currency_code: "JPY", currency_name: "Yen" }]);
    const franc = await warehouse.query("SELECT currency_code FROM dim_currency WHERE currency_id IN (5, 9)");
    expect(franc.rows).toEqual([{ currency_code: "CHF" }]);
    const quarantined = await readQuarantineRecord(store, bucket, "currency", badRow);
    expect(quarantined?.rows.map((r) => r.error)).toEqual([
      `currency (${badRow}): row 1, column currency_code: "XXX" is not an ISO 4217 currency code this pipeline knows`,
    ]);

    const dead = await sqsClient(local.endpoint).send(
      new ReceiveMessageCommand({
        QueueUrl: local.pipeline.transformDlq.url,
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
        VisibilityTimeout: 0,
      }),
    );
    expect(dead.Messages?.[0]?.Body).toContain("20991231T000000001Z");
    const failure = await readFailure(store, bucket, "transform", poisoned);
    expect(failure?.failures).toHaveLength(3);
    expect(failure?.failures[2]).toMatchObject({ receiveCount: 3 });
    expect(failure?.failures[0]?.error).toMatch(
      /currency \(currency\/.*\): header does not match the catalog \(schema drift\?\): unknown columns symbol/,
    );
  });
});
