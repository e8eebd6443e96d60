import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { S3Event } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { s3Client, sqsClient } from "../runtime/aws/clients.js";
import { provisionPipeline, startLocalAws, type LocalAws } from "../runtime/local/index.js";
import { ObjectStore } from "../lib/store/object-store.js";

let dir: string;
const running: LocalAws[] = [];
const clients: { destroy(): void }[] = [];

async function start() {
  const aws = await startLocalAws({ dataDir: dir });
  running.push(aws);
  const s3 = s3Client(aws.endpoint);
  const sqs = sqsClient(aws.endpoint);
  clients.push(s3, sqs);
  const pipeline = await provisionPipeline(aws.endpoint, undefined, { visibilityTimeoutSeconds: 30 });
  return { aws, store: new ObjectStore(s3), sqs, pipeline };
}

async function receiveAll(sqs: SQSClient, queueUrl: string) {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
      MessageSystemAttributeNames: ["All"],
      MessageAttributeNames: ["All"],
    }),
  );
  return Messages;
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "totes-local-persist-"));
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  for (const aws of running.splice(0)) await aws.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("local AWS persistence", () => {
  it("brings back objects, queues, redrive policies, messages and notifications", async () => {
    const first = await start();
    expect(first.aws.restored).toBeUndefined();
    const smallEtag = await first.store.putBytes("totes-processed", "_state/watermark.json", '{"at":1}');
    const big = Buffer.alloc(9 * 1024 * 1024, 0x62);
    await first.store.putStream("totes-processed", "tables/big.parquet", Readable.from([big]));
    const bigEtag = (await first.store.head("totes-processed", "tables/big.parquet"))?.etag;

    // Clear the TestEvents and the parquet notification, then leave known messages behind.
    for (const queue of [first.pipeline.transformQueue, first.pipeline.loadQueue]) {
      const cleared = await receiveAll(first.sqs, queue.url);
      await first.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: cleared.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
    const { transformQueue, transformDlq } = first.pipeline;
    await first.sqs.send(
      new SendMessageCommand({
        QueueUrl: transformQueue.url,
        MessageBody: "in flight",
        MessageAttributes: { run: { DataType: "String", StringValue: "r1" } },
      }),
    );
    await first.sqs.send(new SendMessageCommand({ QueueUrl: transformQueue.url, MessageBody: "waiting" }));
    await first.sqs.send(new SendMessageCommand({ QueueUrl: transformDlq.url, MessageBody: "dead" }));
    // Receive one of them so it is in flight (30 s visibility) when the runtime stops.
    const [inFlight] = await first.sqs
      .send(new ReceiveMessageCommand({ QueueUrl: transformQueue.url, MaxNumberOfMessages: 1 }))
      .then((r) => r.Messages ?? []);
    expect(inFlight?.Body).toBe("in flight");

    const saved = await first.aws.stop();
    expect(saved).toMatchObject({ buckets: 2, objects: 2 });
    const files = await readdir(path.join(dir, "aws"));
    expect(files.sort()).toEqual(["blobs", "state.json"]);

    const second = await start();
    expect(second.aws.restored).toMatchObject({ buckets: 2, objects: 2, queues: 4 });
    const small = await second.store.getBytes("totes-processed", "_state/watermark.json");
    expect(small?.body.toString()).toBe('{"at":1}');
    expect(small?.etag).toBe(smallEtag);
    const restoredBig = await second.store.getBytes("totes-processed", "tables/big.parquet");
    expect(restoredBig?.etag).toBe(bigEtag);
    expect(restoredBig?.body.equals(big)).toBe(true);

    const { Attributes } = await second.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: second.pipeline.transformQueue.url,
        AttributeNames: ["All"],
      }),
    );
    expect(JSON.parse(Attributes?.RedrivePolicy ?? "{}")).toEqual({
      deadLetterTargetArn: second.pipeline.transformDlq.arn,
      maxReceiveCount: 3,
    });
    expect(Attributes?.VisibilityTimeout).toBe("30");

    // Both messages are visible again (the in-flight one keeps its receive count); re-provisioning
    // an unchanged configuration queued no new TestEvent.
    const messages = await receiveAll(second.sqs, second.pipeline.transformQueue.url);
    const byBody = Object.fromEntries(messages.map((m) => [m.Body, m]));
    expect(Object.keys(byBody).sort()).toEqual(["in flight", "waiting"]);
    expect(byBody["in flight"]?.Attributes?.ApproximateReceiveCount).toBe("2");
    expect(byBody["in flight"]?.MessageId).toBe(inFlight?.MessageId);
    expect(byBody["waiting"]?.Attributes?.ApproximateReceiveCount).toBe("1");
    expect(byBody["in flight"]?.MessageAttributes).toEqual({
      run: { DataType: "String", StringValue: "r1" },
    });
    const dead = await receiveAll(second.sqs, second.pipeline.transformDlq.url);
    expect(dead.map((m) => m.Body)).toEqual(["dead"]);

    await second.store.putBytes("totes-ingestion", "after/restart.csv", "a\n");
    const [notification] = await receiveAll(second.sqs, second.pipeline.transformQueue.url);
    expect((JSON.parse(notification?.Body ?? "{}") as S3Event).Records[0]?.s3.object.key).toBe(
      "after/restart.csv",
    );
  });

  it("keeps the last complete snapshot and drops bodies nobody references", async () => {
    const first = await start();
    await first.store.putBytes("totes-ingestion", "a.csv", "one");
    await first.aws.save();
    await first.store.putBytes("totes-ingestion", "a.csv", "two");
    await first.aws.stop();
    const blobs = (await readdir(path.join(dir, "aws", "blobs"), { recursive: true })).filter((f) =>
      f.includes("/"),
    );
    expect(blobs).toHaveLength(1);

    const second = await start();
    expect((await second.store.getBytes("totes-ingestion", "a.csv"))?.body.toString()).toBe("two");
  });
});

describe("one process per data directory", () => {
  it("refuses a directory another live totes process holds, and takes over one a dead process left", async () => {
    const { DataDirBusyError } = await import("../runtime/local/index.js");
    // A real holder: another Node process that took the lock through lockDataDir.
    const holder = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        'const { lockDataDir } = await import(process.argv[1]); await lockDataDir(process.argv[2]); console.log("locked"); setInterval(() => {}, 1000);',
        path.resolve(import.meta.dirname, "../runtime/local/data-dir-lock.ts"),
        dir,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const exited = once(holder, "exit");
    try {
      const [line] = (await once(holder.stdout, "data")) as [Buffer];
      expect(line.toString()).toContain("locked");
      const refused = startLocalAws({ dataDir: dir });
      await expect(refused).rejects.toBeInstanceOf(DataDirBusyError);
      await expect(refused).rejects.toThrow(`in use by another totes process (pid ${holder.pid})`);
    } finally {
      // SIGKILL: it cannot remove its lock, as after a crash.
      holder.kill("SIGKILL");
    }
    await exited;
    const aws = await startLocalAws({ dataDir: dir });
    await aws.stop();
  });
});
