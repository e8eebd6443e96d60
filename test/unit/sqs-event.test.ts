import type { Message } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { toSqsEvent } from "../../runtime/local/lambda/sqs-event.js";

const ARN = "arn:aws:sqs:eu-west-2:000000000000:totes-transform";

describe("toSqsEvent", () => {
  it("spells each message as Lambda's SQS record, in order", () => {
    // Prepare
    const messages: Message[] = [
      {
        MessageId: "m1",
        ReceiptHandle: "r1",
        Body: "one",
        MD5OfBody: "md5-1",
        Attributes: {
          ApproximateReceiveCount: "2",
          SentTimestamp: "1700000000000",
          SenderId: "AIDA",
          ApproximateFirstReceiveTimestamp: "1700000000001",
        },
      },
      { MessageId: "m2", ReceiptHandle: "r2", Body: "two", MD5OfBody: "md5-2" },
    ];

    // Act
    const event = toSqsEvent(messages, ARN, "eu-west-2");

    // Assess
    expect(event.Records.map((r) => r.messageId)).toEqual(["m1", "m2"]);
    expect(event.Records[0]).toEqual({
      messageId: "m1",
      receiptHandle: "r1",
      body: "one",
      attributes: {
        ApproximateReceiveCount: "2",
        SentTimestamp: "1700000000000",
        SenderId: "AIDA",
        ApproximateFirstReceiveTimestamp: "1700000000001",
      },
      messageAttributes: {},
      md5OfBody: "md5-1",
      eventSource: "aws:sqs",
      eventSourceARN: ARN,
      awsRegion: "eu-west-2",
    });
  });

  it("fills the attributes Lambda always sends when the queue returned none", () => {
    // Act
    const [record] = toSqsEvent([{ MessageId: "m", Body: "b" }], ARN, "eu-west-2").Records;

    // Assess
    expect(record?.attributes).toEqual({
      ApproximateReceiveCount: "1",
      SentTimestamp: expect.stringMatching(/^\d+$/),
      SenderId: expect.any(String),
      ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d+$/),
    });
    expect(record).not.toHaveProperty("md5OfMessageAttributes");
  });

  it("carries a FIFO queue's and X-Ray's attributes only when present", () => {
    // Act
    const [record] = toSqsEvent(
      [
        {
          MessageId: "m",
          Body: "b",
          Attributes: {
            ApproximateReceiveCount: "1",
            SequenceNumber: "18849496460467696128",
            MessageGroupId: "g",
            MessageDeduplicationId: "d",
            AWSTraceHeader: "Root=1-abc",
          },
        },
      ],
      ARN,
      "eu-west-2",
    ).Records;

    // Assess
    expect(record?.attributes).toMatchObject({
      SequenceNumber: "18849496460467696128",
      MessageGroupId: "g",
      MessageDeduplicationId: "d",
      AWSTraceHeader: "Root=1-abc",
    });
  });

  it("writes message attributes in Lambda's camelCase, binary values in base64", () => {
    // Act
    const [record] = toSqsEvent(
      [
        {
          MessageId: "m",
          Body: "b",
          MD5OfMessageAttributes: "md5-attrs",
          MessageAttributes: {
            table: { DataType: "String", StringValue: "staff" },
            count: { DataType: "Number", StringValue: "3" },
            raw: { DataType: "Binary", BinaryValue: new Uint8Array([0, 1, 254, 255]) },
          },
        },
      ],
      ARN,
      "eu-west-2",
    ).Records;

    // Assess
    expect(record?.md5OfMessageAttributes).toBe("md5-attrs");
    expect(record?.messageAttributes).toEqual({
      table: { stringValue: "staff", stringListValues: [], binaryListValues: [], dataType: "String" },
      count: { stringValue: "3", stringListValues: [], binaryListValues: [], dataType: "Number" },
      raw: { binaryValue: "AAH+/w==", stringListValues: [], binaryListValues: [], dataType: "Binary" },
    });
  });

  it("is an event with no records for no messages", () => {
    expect(toSqsEvent([], ARN, "eu-west-2")).toEqual({ Records: [] });
  });
});
