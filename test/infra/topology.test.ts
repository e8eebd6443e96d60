import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { GetBucketNotificationConfigurationCommand } from "@aws-sdk/client-s3";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { s3Client, sqsClient } from "../../runtime/aws/clients.js";
import {
  provisionPipeline,
  startLocalAws,
  type LocalAws,
  type ProvisionedPipeline,
} from "../../runtime/local/index.js";
import { queueArn, T } from "./helpers/graph.js";
import { named, runApp, type AppRun } from "./helpers/run-app.js";

// The one change an operator would make, in the one place it is written: the load gets five
// receives, the transform hears of *.tsv. Both the AWS graph and the local runtime must follow.
vi.mock("../../lib/pipeline/topology.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../lib/pipeline/topology.js")>();
  const { transform, load } = original.TOPOLOGY;
  return {
    ...original,
    TOPOLOGY: {
      transform: { ...transform, input: { ...transform.input, suffix: ".tsv" } },
      load: { ...load, maxReceives: 5 },
    },
  };
});

let run: AppRun;
let dir: string;
let aws: LocalAws;
let pipeline: ProvisionedPipeline;
beforeAll(async () => {
  run = await runApp("test");
  dir = await mkdtemp(path.join(tmpdir(), "totes-topology-"));
  await chmod(dir, 0o755);
  aws = await startLocalAws({ dataDir: dir });
  pipeline = await provisionPipeline(aws.endpoint);
}, 120_000);
afterAll(async () => {
  await aws?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("a change to lib/pipeline/topology.ts", () => {
  it("reaches the AWS graph: the load queue redrives after 5 receives, transform hears *.tsv", () => {
    expect(run.errors).toEqual([]);
    const redrive = JSON.parse(
      named(run, T.queue, "LoadQueueQueue").inputs.redrivePolicy as string,
    ) as unknown;
    expect(redrive).toEqual({ deadLetterTargetArn: queueArn(run, "LoadDlq"), maxReceiveCount: 5 });
    const transformRedrive = JSON.parse(
      named(run, T.queue, "TransformQueueQueue").inputs.redrivePolicy as string,
    ) as { maxReceiveCount: number };
    expect(transformRedrive.maxReceiveCount).toBe(3);
    const notification = named(run, T.notification, "IngestionBucketNotificationsNotification");
    expect(notification.inputs.queues).toEqual([expect.objectContaining({ filterSuffix: ".tsv" })]);
  });

  it("reaches the local runtime: the same receive count and filter", async () => {
    const { Attributes } = await sqsClient(aws.endpoint).send(
      new GetQueueAttributesCommand({ QueueUrl: pipeline.loadQueue.url, AttributeNames: ["RedrivePolicy"] }),
    );
    expect(JSON.parse(Attributes!.RedrivePolicy!)).toMatchObject({ maxReceiveCount: 5 });
    const config = await s3Client(aws.endpoint).send(
      new GetBucketNotificationConfigurationCommand({ Bucket: pipeline.resources.ingestionBucket }),
    );
    expect(config.QueueConfigurations?.[0]?.Filter?.Key?.FilterRules).toEqual([
      expect.objectContaining({ Value: ".tsv" }),
    ]);
  });
});
