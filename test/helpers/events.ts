import type { SQSEvent } from "aws-lambda";
import { s3EventMessage } from "../../runtime/local/lambda/s3-event.js";

let messageCount = 0;

/** An SQS batch whose messages are the S3 notifications for these objects, as Lambda would deliver it. */
export function sqsEventFor(bucket: string, keys: readonly string[], receiveCount = 1): SQSEvent {
  return {
    Records: keys.map((key) => ({
      messageId: `test-${++messageCount}`,
      receiptHandle: `receipt-${messageCount}`,
      body: s3EventMessage({
        region: "eu-west-2",
        bucket,
        key,
        eventName: "ObjectCreated:Put",
        configurationId: "test",
        size: 1,
        etag: '"0"',
        requestId: "test",
        hostId: "test",
        sourceIp: "127.0.0.1",
      }),
      attributes: {
        ApproximateReceiveCount: String(receiveCount),
        SentTimestamp: String(Date.now()),
        SenderId: "test",
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:eu-west-2:000000000000:test",
      awsRegion: "eu-west-2",
    })),
  };
}
