import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3Client, sqsClient } from "../runtime/aws/clients.js";
import { LocalPipeline } from "../runtime/local/pipeline.js";
import { createPool, type Pool } from "../lib/db/pool.js";
import { readFailure } from "../lib/pipeline/failures.js";
import { ingestionKey } from "../lib/pipeline/keys.js";
import { retryDelaySeconds, scaledBackoff, TOPOLOGY } from "../lib/pipeline/topology.js";
import { ObjectStore } from "../lib/store/object-store.js";

const stage = TOPOLOGY.transform;

describe("the retry backoff (lib/pipeline/topology.ts)", () => {
  it("hides a failed message 10 s, then 40 s, then releases it to the DLQ", () => {
    // Prepare
    const receives = [1, 2, 3];
    // Act
    const delays = receives.map((n) => retryDelaySeconds(stage, stage.retry, n));
    // Assess
    expect(delays).toEqual([10, 40, 0]);
    // All of it well inside one visibility timeout (a message being worked on stays hidden 30 min).
    expect(delays.reduce((a, b) => a + b)).toBeLessThan(stage.visibilityTimeoutSeconds / 10);
  });

  it("grows with the receive count up to its cap, in whole seconds", () => {
    const long = { ...stage, maxReceives: 10 };
    expect([1, 2, 3, 5, 6, 9].map((n) => retryDelaySeconds(long, stage.retry, n))).toEqual([
      10, 40, 90, 250, 300, 300,
    ]);
    expect([1, 2].map((n) => retryDelaySeconds(stage, scaledBackoff(stage.retry, 0.1), n))).toEqual([1, 4]);
    // A missing or nonsensical receive count is a first receive.
    expect(retryDelaySeconds(stage, stage.retry, Number.NaN)).toBe(10);
  });
});

describe("a poison message on the local runtime: 3 receives and the DLQ in seconds", () => {
  let dataDir: string;
  let local: LocalPipeline;
  // Never queried: only a transform fails here, nothing reaches the load queue.
  let warehouse: Pool;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "totes-backoff-"));
    warehouse = createPool("postgres://nobody@127.0.0.1:9/none");
    // The topology's schedule scaled down 10×: 1 s, 4 s, then the DLQ.
    local = await LocalPipeline.start(dataDir, { backoffScale: 0.1 });
    local.connect({ warehouse });
  });
  afterAll(async () => {
    await local?.stop();
    await warehouse?.end();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("is retried after each backoff and dead-lettered, long before one visibility timeout", async () => {
    // Prepare: a currency code that is not ISO 4217 fails the transform every time.
    const store = new ObjectStore(s3Client(local.endpoint));
    const bucket = local.pipeline.resources.ingestionBucket;
    const poisoned = ingestionKey("currency", "20991231T000000001Z");
    const sqs = sqsClient(local.endpoint);
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: local.pipeline.transformQueue.url,
        AttributeNames: ["VisibilityTimeout"],
      }),
    );
    const visibility = Number(Attributes?.VisibilityTimeout);
    const backoff = scaledBackoff(stage.retry, 0.1);
    const schedule = [1, 2].map((n) => retryDelaySeconds(stage, backoff, n));

    // Act
    const started = Date.now();
    await store.putBytes(
      bucket,
      poisoned,
      // Not the table's CSV (schema drift): a whole-object failure, for the DLQ (a bad row alone
      // would be quarantined and its message succeed).
      "currency_id,currency_symbol,created_at,last_updated\n9,¥,2024-11-16 10:00:00,2024-11-16 10:00:00\n",
    );
    await local.drain();
    const seconds = (Date.now() - started) / 1000;

    // Assess: in the DLQ after 3 receives…
    expect(await local.deadLetters()).toEqual({ transform: 1, load: 0 });
    const failures = (await readFailure(store, bucket, "transform", poisoned))?.failures ?? [];
    expect(failures.map((f) => f.receiveCount)).toEqual([1, 2, 3]);
    // …each retry after its backoff (a little more: the poll and the transform itself)…
    const gaps = failures.slice(1).map((f, i) => (Date.parse(f.at) - Date.parse(failures[i]!.at)) / 1000);
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(schedule[i]! - 0.2);
      expect(gap).toBeLessThan(schedule[i]! + 3);
    });
    // …and all of it in seconds, where leaving the message hidden would take 3 visibility timeouts.
    expect(visibility).toBeGreaterThanOrEqual(60);
    expect(seconds).toBeLessThan(schedule[0]! + schedule[1]! + 8);
    expect(seconds).toBeLessThan(visibility);
    sqs.destroy();
    store.destroy();
  });
});
