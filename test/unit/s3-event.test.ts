import type { S3Event } from "aws-lambda";
import { describe, expect, it } from "vitest";
import {
  decodeEventKey,
  encodeEventKey,
  nextSequencer,
  s3EventMessage,
  s3EventRecord,
  s3TestEventMessage,
  type S3EventFacts,
} from "../../runtime/local/lambda/s3-event.js";

const facts: S3EventFacts = {
  region: "eu-west-2",
  bucket: "totes-ingestion",
  key: "staff/2024/11/15/20241115T142049962Z.csv",
  eventName: "ObjectCreated:Put",
  configurationId: "ingestion",
  size: 42,
  etag: '"9a0364b9e99bb480dd25e1f0284c8555"',
  requestId: "req",
  hostId: "host",
  sourceIp: "127.0.0.1",
};

describe("encodeEventKey", () => {
  it("form-encodes a key as S3 does: a space as '+', '/' kept, the rest %-escaped", () => {
    expect(encodeEventKey("sales order/2024=01/a+b&c.csv")).toBe("sales+order/2024%3D01/a%2Bb%26c.csv");
    expect(encodeEventKey("café/100%.csv")).toBe("caf%C3%A9/100%25.csv");
  });

  it("is undone by the handlers' decoder for any key", () => {
    // Prepare
    const keys = ["a b+c/d=e&f?g#h.csv", "ünï/©ø dé.csv", "+/%2B/%20", "plain/key.parquet"];

    // Act / Assess
    expect(keys.map((key) => decodeEventKey(encodeEventKey(key)))).toEqual(keys);
  });
});

describe("s3EventRecord", () => {
  it("carries the bucket, the encoded key, the size and the eTag without its quotes", () => {
    // Act
    const record = s3EventRecord({ ...facts, key: "a b.csv" });

    // Assess
    expect(record).toMatchObject({
      eventSource: "aws:s3",
      awsRegion: "eu-west-2",
      eventName: "ObjectCreated:Put",
      s3: {
        configurationId: "ingestion",
        bucket: { name: "totes-ingestion", arn: "arn:aws:s3:::totes-ingestion" },
        object: { key: "a+b.csv", size: 42, eTag: "9a0364b9e99bb480dd25e1f0284c8555" },
      },
    });
    expect(Date.parse(record.eventTime)).not.toBeNaN();
  });

  it("gives a removal (no size) neither size nor eTag, as AWS does", () => {
    // Act
    const { object } = s3EventRecord({ ...facts, eventName: "ObjectRemoved:Delete", size: undefined }).s3;

    // Assess
    expect(Object.keys(object).sort()).toEqual(["key", "sequencer"]);
  });
});

describe("nextSequencer", () => {
  it("is hex that only increases, even many times in one millisecond", () => {
    // Act
    const sequencers = Array.from({ length: 1000 }, nextSequencer);

    // Assess
    for (const s of sequencers) expect(s).toMatch(/^[0-9A-F]{16,}$/);
    for (let i = 1; i < sequencers.length; i++)
      expect(BigInt(`0x${sequencers[i]}`)).toBeGreaterThan(BigInt(`0x${sequencers[i - 1]}`));
  });
});

describe("s3EventMessage", () => {
  it("is the JSON of an S3 event with that one record", () => {
    // Act
    const event = JSON.parse(s3EventMessage(facts)) as S3Event;

    // Assess
    expect(event.Records).toHaveLength(1);
    expect(event.Records[0]?.s3.object.key).toBe(facts.key);
  });
});

describe("s3TestEventMessage", () => {
  it("is the test event S3 sends when a notification configuration is put", () => {
    expect(JSON.parse(s3TestEventMessage("totes-ingestion", "req", "host"))).toEqual({
      Service: "Amazon S3",
      Event: "s3:TestEvent",
      Time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      Bucket: "totes-ingestion",
      RequestId: "req",
      HostId: "host",
    });
  });
});
