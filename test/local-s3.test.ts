import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetBucketNotificationConfigurationCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { S3Event } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3Client, sqsClient } from "../runtime/aws/clients.js";
import {
  INGESTION_NOTIFICATION_ID,
  PROCESSED_NOTIFICATION_ID,
  decodeEventKey,
  provisionPipeline,
  startLocalAws,
  type LocalAws,
  type ProvisionedPipeline,
} from "../runtime/local/index.js";
import { ObjectStore, PreconditionFailedError } from "../lib/store/object-store.js";

let dir: string;
let aws: LocalAws;
let pipeline: ProvisionedPipeline;
let s3: S3Client;
let sqs: SQSClient;
let store: ObjectStore;

/** Receives (and deletes) everything on the queue within a short wait. */
async function take(queueUrl: string, waitTimeSeconds = 1): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitTimeSeconds,
      }),
    );
    if (Messages.length === 0) return bodies;
    for (const m of Messages) {
      bodies.push(m.Body ?? "");
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
    waitTimeSeconds = 0;
  }
}

const records = (bodies: string[]) => bodies.flatMap((b) => (JSON.parse(b) as S3Event).Records);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "totes-local-s3-"));
  aws = await startLocalAws({ dataDir: dir });
  pipeline = await provisionPipeline(aws.endpoint);
  s3 = s3Client(aws.endpoint);
  sqs = sqsClient(aws.endpoint);
  store = new ObjectStore(s3);
});

afterAll(async () => {
  s3?.destroy();
  sqs?.destroy();
  await aws?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("local S3 → SQS notifications", () => {
  it("sends the s3:TestEvent when a configuration is put", async () => {
    const [transform] = await take(pipeline.transformQueue.url);
    const [load] = await take(pipeline.loadQueue.url);
    expect(JSON.parse(transform!)).toMatchObject({
      Service: "Amazon S3",
      Event: "s3:TestEvent",
      Bucket: "totes-ingestion",
    });
    expect(JSON.parse(load!)).toMatchObject({ Event: "s3:TestEvent", Bucket: "totes-processed" });
  });

  it("returns the configuration it stored", async () => {
    const config = await s3.send(
      new GetBucketNotificationConfigurationCommand({ Bucket: "totes-processed" }),
    );
    expect(config.QueueConfigurations).toEqual([
      {
        Id: PROCESSED_NOTIFICATION_ID,
        QueueArn: pipeline.loadQueue.arn,
        Events: ["s3:ObjectCreated:*"],
        Filter: {
          Key: {
            FilterRules: [
              { Name: "Prefix", Value: "tables/" },
              { Name: "Suffix", Value: ".parquet" },
            ],
          },
        },
      },
    ]);
  });

  it("delivers an AWS-shaped ObjectCreated:Put record with the key form-encoded", async () => {
    const key = "sales order/2024=01/a b.csv";
    const etag = await store.putBytes("totes-ingestion", key, "id,amount\n1,2\n");
    const [record, ...more] = records(await take(pipeline.transformQueue.url));
    expect(more).toEqual([]);
    expect(record).toMatchObject({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      awsRegion: "eu-west-2",
      eventName: "ObjectCreated:Put",
      userIdentity: { principalId: expect.any(String) },
      requestParameters: { sourceIPAddress: "127.0.0.1" },
      responseElements: { "x-amz-request-id": expect.any(String), "x-amz-id-2": expect.any(String) },
      s3: {
        s3SchemaVersion: "1.0",
        configurationId: INGESTION_NOTIFICATION_ID,
        bucket: {
          name: "totes-ingestion",
          ownerIdentity: { principalId: expect.any(String) },
          arn: "arn:aws:s3:::totes-ingestion",
        },
        object: {
          key: "sales+order/2024%3D01/a+b.csv",
          size: 14,
          eTag: etag!.replaceAll('"', ""),
          sequencer: expect.any(String),
        },
      },
    });
    expect(Date.parse(record!.eventTime)).toBeGreaterThan(Date.now() - 60_000);
    const decoded = decodeEventKey(record!.s3.object.key);
    expect(decoded).toBe(key);
    expect((await store.getBytes("totes-ingestion", decoded))?.body.toString()).toBe("id,amount\n1,2\n");
  });

  it("honours prefix and suffix filters", async () => {
    await store.putBytes("totes-ingestion", "_state/x.json", "{}");
    await store.putBytes("totes-ingestion", "x.parquet", "p");
    await store.putBytes("totes-processed", "x.csv", "c");
    await store.putBytes("totes-processed", "tables/x.csv", "c");
    await store.putBytes("totes-processed", "other/x.parquet", "p");
    expect(await take(pipeline.transformQueue.url)).toEqual([]);
    expect(await take(pipeline.loadQueue.url)).toEqual([]);

    await store.putBytes("totes-processed", "tables/sales/x.parquet", "p");
    const loaded = records(await take(pipeline.loadQueue.url));
    expect(loaded.map((r) => [r.eventName, r.s3.object.key, r.s3.configurationId])).toEqual([
      ["ObjectCreated:Put", "tables/sales/x.parquet", PROCESSED_NOTIFICATION_ID],
    ]);
  });

  it("reports a multipart upload as ObjectCreated:CompleteMultipartUpload", async () => {
    const size = 12 * 1024 * 1024;
    await store.putStream(
      "totes-ingestion",
      "big/large.csv",
      Readable.from([Buffer.alloc(size, 0x61)]),
      "text/csv",
    );
    const [record, ...more] = records(await take(pipeline.transformQueue.url));
    expect(more).toEqual([]);
    expect(record?.eventName).toBe("ObjectCreated:CompleteMultipartUpload");
    expect(record?.s3.object).toMatchObject({ key: "big/large.csv", size });
    expect(record?.s3.object.eTag).toMatch(/^[0-9a-f]{32}-2$/);
    expect((await store.head("totes-ingestion", "big/large.csv"))?.size).toBe(size);
  });

  it("reports CopyObject as ObjectCreated:Copy and sends nothing for a delete it was not asked about", async () => {
    await store.putBytes("totes-processed", "staging/a.csv", "a,b\n");
    await s3.send(
      new CopyObjectCommand({
        Bucket: "totes-ingestion",
        Key: "copied.csv",
        CopySource: "totes-processed/staging/a.csv",
      }),
    );
    await s3.send(new DeleteObjectCommand({ Bucket: "totes-ingestion", Key: "copied.csv" }));
    const got = records(await take(pipeline.transformQueue.url));
    expect(got.map((r) => [r.eventName, r.s3.object.key, r.s3.object.size])).toEqual([
      ["ObjectCreated:Copy", "copied.csv", 4],
    ]);
  });

  it("still answers NoSuchKey for missing objects (fauxqs's own errors survive the hooks)", async () => {
    expect(await store.getBytes("totes-ingestion", "missing.csv")).toBeUndefined();
    expect(await store.head("totes-ingestion", "missing.csv")).toBeUndefined();
  });
});

describe("local S3 conditional writes", () => {
  const bucket = "totes-processed";

  it("If-None-Match: * fails when the key exists", async () => {
    const key = "_state/lock.json";
    await store.putBytes(bucket, key, "first", { ifNoneMatch: true });
    await expect(store.putBytes(bucket, key, "second", { ifNoneMatch: true })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    expect((await store.getBytes(bucket, key))?.body.toString()).toBe("first");
  });

  it("If-Match succeeds with the current ETag and fails with a stale one", async () => {
    const key = "_state/watermark.json";
    const first = await store.putBytes(bucket, key, "v1");
    const second = await store.putBytes(bucket, key, "v2", { ifMatch: first });
    expect(second).not.toBe(first);
    await expect(store.putBytes(bucket, key, "v3", { ifMatch: first })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    expect((await store.getBytes(bucket, key))?.body.toString()).toBe("v2");
    await store.putBytes(bucket, key, "v3", { ifMatch: second });
    expect((await store.getBytes(bucket, key))?.body.toString()).toBe("v3");
  });

  it("lets exactly one of many concurrent If-None-Match writers win", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        store.putBytes(bucket, "_state/race.json", `writer ${i}`, { ifNoneMatch: true }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results.filter((r) => r.status === "rejected")) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(PreconditionFailedError);
    }
  });
});
