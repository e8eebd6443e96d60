import { PipelineError } from "../errors.js";

/** The object an S3 event record names. */
export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
  /** Its size in bytes, as the event says (a created object's record carries it). */
  readonly size?: number;
}

interface S3EventRecord {
  eventName?: string;
  s3?: { bucket?: { name?: string }; object?: { key?: string; size?: unknown } };
}

/** S3 event keys are URL-encoded with spaces as '+'. */
export const decodeS3Key = (key: string): string => decodeURIComponent(key.replace(/\+/g, " "));

/**
 * The objects an S3 notification (the body of one SQS message) announces. The
 * `s3:TestEvent` S3 sends when notifications are configured announces none; several
 * records in one message are all returned.
 */
export function objectsInNotification(body: string): ObjectRef[] {
  let parsed: { Event?: string; Records?: S3EventRecord[] };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch (error) {
    throw new PipelineError(`message body is not an S3 notification (not JSON): ${body.slice(0, 200)}`, {
      cause: error,
    });
  }
  if (typeof parsed !== "object" || parsed === null)
    throw new PipelineError(`message body is not an S3 notification (not an object): ${body.slice(0, 200)}`);
  if (parsed.Event === "s3:TestEvent") return [];
  if (!Array.isArray(parsed.Records))
    throw new PipelineError(`message body is not an S3 notification (no Records): ${body.slice(0, 200)}`);
  if (parsed.Records.some((r) => typeof r !== "object" || r === null))
    throw new PipelineError(
      `message body is not an S3 notification (a record is not an object): ${body.slice(0, 200)}`,
    );
  return parsed.Records.filter((r) => r.eventName?.startsWith("ObjectCreated") ?? false).map((r) => {
    const bucket = r.s3?.bucket?.name;
    const key = r.s3?.object?.key;
    if (!bucket || key === undefined)
      throw new PipelineError(`S3 event record without bucket or key: ${JSON.stringify(r)}`);
    const size = r.s3?.object?.size;
    try {
      return {
        bucket,
        key: decodeS3Key(key),
        ...(typeof size === "number" && Number.isSafeInteger(size) && size >= 0 ? { size } : {}),
      };
    } catch (error) {
      throw new PipelineError(`S3 event record with an undecodable key: ${key.slice(0, 200)}`, {
        cause: error,
      });
    }
  });
}
