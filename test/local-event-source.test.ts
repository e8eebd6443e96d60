import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { S3Event, SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { s3Client, sqsClient } from "../runtime/aws/clients.js";
import {
  SqsEventSource,
  decodeEventKey,
  drain,
  provisionPipeline,
  startLocalAws,
  type LocalAws,
  type ProvisionedPipeline,
  type QueueRef,
  type SqsBatchHandler,
} from "../runtime/local/index.js";
import { ObjectStore } from "../lib/store/object-store.js";

let dir: string;
let aws: LocalAws;
let pipeline: ProvisionedPipeline;
let sqs: SQSClient;
let store: ObjectStore;

const source = (queue: QueueRef, handler: SqsBatchHandler, errors: unknown[] = []) =>
  new SqsEventSource({
    sqs,
    queueUrl: queue.url,
    queueArn: queue.arn,
    handler,
    batchSize: 10,
    waitTimeSeconds: 1,
    retryDelaySeconds: 1,
    onError: (error) => errors.push(error),
  });

const send = (queue: QueueRef, ...bodies: string[]) =>
  sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queue.url,
      Entries: bodies.map((body, i) => ({ Id: String(i), MessageBody: body })),
    }),
  );

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "totes-local-esm-"));
  aws = await startLocalAws({ dataDir: dir });
  pipeline = await provisionPipeline(aws.endpoint, undefined, { visibilityTimeoutSeconds: 5 });
  sqs = sqsClient(aws.endpoint);
  store = new ObjectStore(s3Client(aws.endpoint));
});

beforeEach(async () => {
  for (const q of [pipeline.transformQueue, pipeline.transformDlq, pipeline.loadQueue, pipeline.loadDlq]) {
    await sqs.send(new PurgeQueueCommand({ QueueUrl: q.url }));
  }
});

afterAll(async () => {
  sqs?.destroy();
  await aws?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("SqsEventSource", () => {
  it("invokes the handler with the SQSEvent Lambda builds", async () => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: pipeline.transformQueue.url,
        MessageBody: "hello",
        MessageAttributes: {
          kind: { DataType: "String", StringValue: "greeting" },
          raw: { DataType: "Binary", BinaryValue: Buffer.from("bytes") },
        },
      }),
    );
    const events: SQSEvent[] = [];
    const result = await source(pipeline.transformQueue, async (e) => void events.push(e)).pollOnce();
    expect(result).toMatchObject({ messages: 1, failed: 0 });
    const [record] = events[0]!.Records;
    expect(record).toEqual({
      messageId: expect.any(String),
      receiptHandle: expect.any(String),
      body: "hello",
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: expect.stringMatching(/^\d+$/),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d+$/),
      },
      messageAttributes: {
        kind: { stringValue: "greeting", stringListValues: [], binaryListValues: [], dataType: "String" },
        raw: {
          binaryValue: Buffer.from("bytes").toString("base64"),
          stringListValues: [],
          binaryListValues: [],
          dataType: "Binary",
        },
      },
      md5OfBody: "5d41402abc4b2a76b9719d911017c592",
      md5OfMessageAttributes: expect.any(String),
      eventSource: "aws:sqs",
      eventSourceARN: pipeline.transformQueue.arn,
      awsRegion: "eu-west-2",
    });
    expect(await source(pipeline.transformQueue, async () => {}).depth()).toEqual({
      visible: 0,
      inFlight: 0,
      delayed: 0,
    });
  });

  it("with a partial batch response deletes all but the failed record", async () => {
    await send(pipeline.transformQueue, "ok-1", "bad", "ok-2");
    const seen: string[] = [];
    const src = source(pipeline.transformQueue, async (event) => {
      seen.push(...event.Records.map((r) => r.body));
      return {
        batchItemFailures: event.Records.filter((r) => r.body === "bad").map((r) => ({
          itemIdentifier: r.messageId,
        })),
      };
    });
    expect(await src.pollOnce()).toMatchObject({ messages: 3, failed: 1 });
    expect(await src.depth()).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    // Back after the 1 s retry delay, not the 5 s visibility timeout.
    const again = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: pipeline.transformQueue.url,
        WaitTimeSeconds: 3,
        MessageSystemAttributeNames: ["All"],
      }),
    );
    expect(again.Messages?.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([
      ["bad", "2"],
    ]);
  });

  it("deletes nothing when the handler throws", async () => {
    await send(pipeline.transformQueue, "a", "b");
    const errors: unknown[] = [];
    const src = source(
      pipeline.transformQueue,
      async () => {
        throw new Error("boom");
      },
      errors,
    );
    const result = await src.pollOnce();
    expect(result).toMatchObject({
      messages: 2,
      failed: 2,
      error: expect.objectContaining({ message: "boom" }),
    });
    expect(errors).toHaveLength(1);
    expect(await src.depth()).toEqual({ visible: 0, inFlight: 2, delayed: 0 });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await src.depth()).toEqual({ visible: 2, inFlight: 0, delayed: 0 });
  });

  it("moves a message that always fails to the DLQ after 3 receives", async () => {
    await send(pipeline.transformQueue, "poison", "fine");
    const counts: string[] = [];
    const src = source(pipeline.transformQueue, async (event) => {
      const poison = event.Records.filter((r) => r.body === "poison");
      counts.push(...poison.map((r) => r.attributes.ApproximateReceiveCount));
      return { batchItemFailures: poison.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    const started = Date.now();
    const stats = await drain({ sources: [src], idleMs: 300, timeoutMs: 60_000 });
    const elapsed = Date.now() - started;
    expect(counts).toEqual(["1", "2", "3"]);
    expect(stats).toEqual({ "totes-transform": { batches: 3, messages: 4, failures: 3, handlerErrors: 0 } });
    expect(elapsed).toBeLessThan(15_000);
    const dlq = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: pipeline.transformDlq.url,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ["All"],
      }),
    );
    expect(dlq.Messages?.map((m) => m.Body)).toEqual(["poison"]);
  });

  it("ends a run whose every batch throws, with all its messages in the DLQ", async () => {
    await send(pipeline.loadQueue, "m1", "m2", "m3", "m4", "m5");
    const src = source(pipeline.loadQueue, async () => {
      throw new Error("load is down");
    });
    const started = Date.now();
    const stats = await drain({ sources: [src], idleMs: 300, timeoutMs: 60_000 });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(stats["totes-load"]).toEqual({ batches: 3, messages: 15, failures: 15, handlerErrors: 3 });
    const dlq = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: pipeline.loadDlq.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    expect(dlq.Messages?.map((m) => m.Body).sort()).toEqual(["m1", "m2", "m3", "m4", "m5"]);
  });

  it("drains a chain: the transform's output notifies the load queue, and drain waits for it", async () => {
    const loaded: string[] = [];
    const transform = source(pipeline.transformQueue, async (event) => {
      for (const record of event.Records) {
        const body = JSON.parse(record.body) as S3Event | { Event: string };
        if (!("Records" in body)) continue; // the s3:TestEvent
        for (const r of body.Records) {
          const key = decodeEventKey(r.s3.object.key);
          await new Promise((resolve) => setTimeout(resolve, 200)); // a slow transform
          await store.putBytes("totes-processed", `tables/${key.replace(/\.csv$/, ".parquet")}`, "PAR1");
        }
      }
    });
    const load = source(pipeline.loadQueue, async (event) => {
      for (const record of event.Records) {
        const body = JSON.parse(record.body) as S3Event;
        loaded.push(...body.Records.map((r) => decodeEventKey(r.s3.object.key)));
      }
    });
    for (const name of ["sales.csv", "staff.csv", "my file.csv"])
      await store.putBytes("totes-ingestion", name, "x");
    const stats = await drain({ sources: [transform, load], concurrency: 2, idleMs: 300, timeoutMs: 60_000 });
    expect(loaded.sort()).toEqual(["tables/my file.parquet", "tables/sales.parquet", "tables/staff.parquet"]);
    expect(stats["totes-transform"]).toMatchObject({ messages: 3, failures: 0 });
    expect(stats["totes-load"]).toMatchObject({ messages: 3, failures: 0 });
  });

  it("start()/stop() polls continuously like a deployed mapping", async () => {
    const bodies: string[] = [];
    const src = source(
      pipeline.loadQueue,
      async (event) => void bodies.push(...event.Records.map((r) => r.body)),
    );
    src.start(2);
    await send(pipeline.loadQueue, "x", "y");
    for (let i = 0; i < 50 && bodies.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    await src.stop();
    expect(bodies.sort()).toEqual(["x", "y"]);
  });
});
