import type { S3EventRecord, SQSEvent, SQSRecord } from "aws-lambda";
import { s3EventRecord } from "../../runtime/local/lambda/s3-event.js";

let messageCount = 0;

export interface S3RecordOptions {
  readonly bucket?: string;
  /** The object's real key; the record carries it form-encoded, as S3 sends it. */
  readonly key?: string;
  /** The key exactly as it appears on the wire (already encoded), when a test needs S3's own spelling. */
  readonly rawKey?: string;
  readonly size?: number;
  readonly eventName?: string;
}

/** One S3 event record, as S3 (or the local runtime) puts it in a notification. */
export function s3Record(options: S3RecordOptions = {}): S3EventRecord {
  const record = s3EventRecord({
    region: "eu-west-2",
    bucket: options.bucket ?? "test-bucket",
    key: options.key ?? "sales_order/2024/11/15/20241115T142049962Z.csv",
    eventName: options.eventName ?? "ObjectCreated:Put",
    configurationId: "test",
    size: options.size ?? 1,
    etag: '"0"',
    requestId: "test",
    hostId: "test",
    sourceIp: "127.0.0.1",
  });
  if (options.rawKey !== undefined) record.s3.object.key = options.rawKey;
  return record;
}

/** The body of one SQS message carrying an S3 notification with these records. */
export const s3Notification = (...records: S3EventRecord[]): string => JSON.stringify({ Records: records });

export interface SqsRecordOptions {
  readonly body?: string;
  readonly messageId?: string;
  readonly receiveCount?: number;
}

/** One SQS record as Lambda delivers it. */
export function sqsRecord(options: SqsRecordOptions = {}): SQSRecord {
  const n = ++messageCount;
  return {
    messageId: options.messageId ?? `test-${n}`,
    receiptHandle: `receipt-${n}`,
    body: options.body ?? s3Notification(s3Record()),
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(Date.now()),
      SenderId: "test",
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:eu-west-2:000000000000:test",
    awsRegion: "eu-west-2",
  };
}

export const sqsEventOf = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

/** An SQS batch whose messages are the S3 notifications for these objects, as Lambda would deliver it. */
export function sqsEventFor(bucket: string, keys: readonly string[], receiveCount = 1): SQSEvent {
  return sqsEventOf(
    ...keys.map((key) => sqsRecord({ body: s3Notification(s3Record({ bucket, key })), receiveCount })),
  );
}
