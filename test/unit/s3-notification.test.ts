import { describe, expect, it } from "vitest";
import { PipelineError } from "../../lib/errors.js";
import { decodeS3Key, objectsInNotification } from "../../lib/events/s3-notification.js";
import { s3TestEventMessage } from "../../runtime/local/lambda/s3-event.js";
import { s3Notification, s3Record } from "../helpers/events.js";

describe("objectsInNotification", () => {
  it("names the bucket and key of an ObjectCreated record", () => {
    // Prepare
    const body = s3Notification(
      s3Record({ bucket: "totes-ingestion", key: "sales_order/2024/11/15/20241115T142049962Z.csv" }),
    );

    // Act
    const objects = objectsInNotification(body);

    // Assess
    expect(objects).toEqual([
      { bucket: "totes-ingestion", key: "sales_order/2024/11/15/20241115T142049962Z.csv", size: 1 },
    ]);
  });

  it("gives the object's size as the record says it, and none when the record has none or a bad one", () => {
    // Prepare
    const sized = s3Record({ key: "a.parquet", size: 4169 });
    const unsized = s3Record({ key: "b.parquet" });
    delete (unsized.s3.object as { size?: number }).size;
    const bad = s3Record({ key: "c.parquet" });
    (bad.s3.object as { size?: unknown }).size = "4169";

    // Act
    const objects = objectsInNotification(s3Notification(sized, unsized, bad));

    // Assess
    expect(objects.map((o) => o.size)).toEqual([4169, undefined, undefined]);
  });

  it("returns every object of a message with several records, in order", () => {
    // Prepare
    const body = s3Notification(
      s3Record({ key: "a.csv", eventName: "ObjectCreated:Put" }),
      s3Record({ key: "b.csv", eventName: "ObjectCreated:CompleteMultipartUpload" }),
      s3Record({ key: "c.csv", eventName: "ObjectCreated:Copy" }),
    );

    // Act
    const keys = objectsInNotification(body).map((o) => o.key);

    // Assess
    expect(keys).toEqual(["a.csv", "b.csv", "c.csv"]);
  });

  it("ignores records of anything but a created object", () => {
    // Prepare
    const body = s3Notification(
      s3Record({ key: "gone.csv", eventName: "ObjectRemoved:Delete" }),
      s3Record({ key: "kept.csv" }),
      s3Record({ key: "restored.csv", eventName: "ObjectRestore:Completed" }),
    );

    // Act / Assess
    expect(objectsInNotification(body).map((o) => o.key)).toEqual(["kept.csv"]);
  });

  it("announces nothing for the s3:TestEvent S3 sends when notifications are configured", () => {
    expect(objectsInNotification(s3TestEventMessage("totes-ingestion", "req", "host"))).toEqual([]);
  });

  it.each([
    ["spaces, sent as '+'", "sales+order/a+b.csv", "sales order/a b.csv"],
    ["a real '+', sent as %2B", "tables/x/1%2B1.parquet", "tables/x/1+1.parquet"],
    ["'=' and non-ASCII", "k%3Dv/caf%C3%A9.csv", "k=v/café.csv"],
    ["a '%', sent as %25", "100%25.csv", "100%.csv"],
  ])("decodes a key with %s", (_what, rawKey, key) => {
    expect(objectsInNotification(s3Notification(s3Record({ rawKey })))).toEqual([
      { bucket: "test-bucket", key, size: 1 },
    ]);
  });

  it("refuses a body that is not JSON with a PipelineError quoting it", () => {
    // Act
    const error = catchError(() => objectsInNotification("hello, not JSON"));

    // Assess
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as PipelineError).message).toBe(
      "message body is not an S3 notification (not JSON): hello, not JSON",
    );
    expect((error as PipelineError).cause).toBeInstanceOf(SyntaxError);
  });

  it("quotes at most 200 characters of a long bad body", () => {
    const error = catchError(() => objectsInNotification(`{${"x".repeat(10_000)}`));

    expect((error as Error).message.length).toBeLessThan(300);
  });

  it.each([
    ["JSON without Records", '{"hello":"world"}'],
    ["Records that is not a list", '{"Records":{}}'],
    [
      "a record without a bucket",
      JSON.stringify({ Records: [{ eventName: "ObjectCreated:Put", s3: { object: { key: "a" } } }] }),
    ],
    [
      "a record without a key",
      JSON.stringify({ Records: [{ eventName: "ObjectCreated:Put", s3: { bucket: { name: "b" } } }] }),
    ],
  ])("refuses %s with a PipelineError", (_what, body) => {
    expect(() => objectsInNotification(body)).toThrow(PipelineError);
  });

  // Found while writing these tests: bodies that parse but are not objects (or hold a null
  // record), and keys with a broken %-escape, fail with a bare TypeError/URIError
  // ("Cannot read properties of null") instead of the PipelineError that says which message
  // is not an S3 notification.
  it.each([
    ["the JSON null", "null"],
    ["a null record", '{"Records":[null]}'],
    ["a key with a broken %-escape", s3Notification(s3Record({ rawKey: "bad%E0%A4%A.csv" }))],
  ])("refuses %s with a PipelineError too", (_what, body) => {
    expect(() => objectsInNotification(body)).toThrow(PipelineError);
  });
});

describe("decodeS3Key", () => {
  it("turns '+' into a space before %-decoding, as S3's form encoding needs", () => {
    expect(decodeS3Key("a+b%2Bc%20d")).toBe("a b+c d");
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}
