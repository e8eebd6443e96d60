import { beforeAll, describe, expect, it } from "vitest";
import { bucketArn, lambda, mappingFrom, queueArn, T } from "./helpers/graph.js";
import { named, ofType, runApp, type AppRun } from "./helpers/run-app.js";

// The event-driven graph: buckets → queues (with DLQs) → functions, the schedule.
let run: AppRun;
beforeAll(async () => {
  run = await runApp("test");
}, 120_000);

describe("the app", () => {
  it("runs without errors inside Pulumi applies", () => {
    expect(run.errors).toEqual([]);
  });

  it("versions both buckets", () => {
    for (const bucket of ["IngestionBucket", "ProcessedBucket"]) {
      const versioning = named(run, T.versioning, `${bucket}Versioning`);
      expect(versioning.inputs.versioningConfiguration).toMatchObject({ status: "Enabled" });
    }
  });
});

describe("queues", () => {
  it.each([
    ["TransformQueue", "TransformDlq"],
    ["LoadQueue", "LoadDlq"],
  ])("%s redrives to its own DLQ (%s) after 3 receives", (queue, dlq) => {
    // Prepare
    const sqs = named(run, T.queue, `${queue}Queue`);
    // Act
    const redrive = JSON.parse(sqs.inputs.redrivePolicy as string) as unknown;
    // Assess
    expect(redrive).toEqual({ deadLetterTargetArn: queueArn(run, dlq), maxReceiveCount: 3 });
  });

  it("gives the DLQs no DLQ of their own and keeps dead letters 14 days", () => {
    for (const dlq of ["TransformDlq", "LoadDlq"]) {
      const sqs = named(run, T.queue, `${dlq}Queue`);
      expect(sqs.inputs.redrivePolicy).toBeUndefined();
      expect(sqs.inputs.messageRetentionSeconds).toBe(14 * 24 * 3600);
    }
  });

  it.each([
    ["TransformQueue", "Transform"],
    ["LoadQueue", "Load"],
  ])("%s hides a message for longer than %s may run", (queue, fn) => {
    const visibility = named(run, T.queue, `${queue}Queue`).inputs.visibilityTimeoutSeconds as number;
    expect(visibility).toBeGreaterThan(lambda(run, fn).inputs.timeout as number);
  });
});

describe("bucket notifications", () => {
  it("send new *.csv in the ingestion bucket, and nothing else, to the transform queue", () => {
    const notification = named(run, T.notification, "IngestionBucketNotificationsNotification");
    expect(notification.inputs.queues).toEqual([
      {
        id: "CsvToTransform",
        queueArn: queueArn(run, "TransformQueue"),
        events: ["s3:ObjectCreated:*"],
        filterSuffix: ".csv",
      },
    ]);
    expect(notification.inputs.lambdaFunctions).toEqual([]);
    expect(notification.inputs.topics).toEqual([]);
  });

  it("send new tables/**.parquet in the processed bucket, never _state/, to the load queue", () => {
    const notification = named(run, T.notification, "ProcessedBucketNotificationsNotification");
    expect(notification.inputs.queues).toEqual([
      {
        id: "ParquetToLoad",
        queueArn: queueArn(run, "LoadQueue"),
        events: ["s3:ObjectCreated:*"],
        filterPrefix: "tables/",
        filterSuffix: ".parquet",
      },
    ]);
    expect(notification.inputs.lambdaFunctions).toEqual([]);
    expect(notification.inputs.topics).toEqual([]);
  });

  it("each go to the bucket they are declared on", () => {
    for (const bucket of ["IngestionBucket", "ProcessedBucket"]) {
      const notification = named(run, T.notification, `${bucket}NotificationsNotification`);
      expect(`arn:aws:s3:::${notification.inputs.bucket as string}`).toBe(bucketArn(run, bucket));
    }
  });
});

describe("event source mappings", () => {
  it.each([
    ["TransformQueue", "Transform", 5],
    ["LoadQueue", "Load", 2],
  ])("%s feeds %s in batches that report item failures, at most %i at once", (queue, fn, concurrency) => {
    const mapping = mappingFrom(run, queue);
    expect(mapping.inputs.functionName).toBe(lambda(run, fn).state.arn);
    expect(mapping.inputs.functionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    expect(mapping.inputs.batchSize).toBe(10);
    expect(mapping.inputs.maximumBatchingWindowInSeconds).toBeGreaterThan(0);
    expect(mapping.inputs.scalingConfig).toEqual({ maximumConcurrency: concurrency });
  });

  it("are the only two, one per work queue (nothing consumes a DLQ)", () => {
    expect(ofType(run, T.mapping)).toHaveLength(2);
  });
});

const scheduleOf = (fn: string) =>
  ofType(run, T.schedule).filter(
    (s) => (s.inputs.target as { arn?: string } | undefined)?.arn === lambda(run, fn).state.arn,
  );

describe("the schedules", () => {
  it("are two: extract and verify", () => {
    expect(ofType(run, T.schedule)).toHaveLength(2);
    expect(scheduleOf("Extract")).toHaveLength(1);
    expect(scheduleOf("Verify")).toHaveLength(1);
  });
});

describe("the extract schedule", () => {
  it("invokes extract every 20 minutes", () => {
    const [schedule] = scheduleOf("Extract");
    expect(schedule!.inputs.scheduleExpression).toBe("rate(20 minutes)");
    expect(schedule!.inputs.state).toBe("ENABLED");
    expect(schedule!.inputs.target).toMatchObject({ arn: lambda(run, "Extract").state.arn });
  });

  it("can never start a second extract while one runs", () => {
    const extract = lambda(run, "Extract").inputs;
    expect(extract.reservedConcurrentExecutions).toBe(1);
    // …and a run ends well before the next tick.
    expect(extract.timeout).toBeLessThan(20 * 60);
  });
});

describe("the verify schedule", () => {
  it("invokes verify once a day, at 05:00 UTC", () => {
    const [schedule] = scheduleOf("Verify");
    expect(schedule!.inputs.scheduleExpression).toBe("cron(0 5 * * ? *)");
    expect(schedule!.inputs.state).toBe("ENABLED");
  });

  it("runs one verify at a time, inside Lambda's 15-minute limit", () => {
    const verify = lambda(run, "Verify").inputs;
    expect(verify.reservedConcurrentExecutions).toBe(1);
    expect(verify.timeout).toBeLessThanOrEqual(15 * 60);
  });
});

// The alarms and the dashboard: test/infra/alerts.test.ts.
