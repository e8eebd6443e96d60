import type { S3Event, S3EventRecord } from "aws-lambda";

/** The message S3 sends to every destination when a notification configuration is put. */
export interface S3TestEvent {
  readonly Service: "Amazon S3";
  readonly Event: "s3:TestEvent";
  readonly Time: string;
  readonly Bucket: string;
  readonly RequestId: string;
  readonly HostId: string;
}

export interface S3EventFacts {
  readonly region: string;
  readonly bucket: string;
  readonly key: string;
  /** Without the `s3:` prefix, as records carry it: `ObjectCreated:Put`. */
  readonly eventName: string;
  readonly configurationId: string;
  readonly size?: number;
  /** As S3 returns it in headers (quoted); records carry it unquoted. */
  readonly etag?: string;
  readonly requestId: string;
  readonly hostId: string;
  readonly sourceIp: string;
}

const LOCAL_ACCOUNT = "000000000000";

/**
 * Keys in S3 event records are URL-encoded the way S3 does it (form encoding: a space
 * becomes `+`, `=` becomes `%3D`, `/` stays), so handlers must decode with
 * `decodeURIComponent(key.replace(/\+/g, " "))` — the same code works on AWS.
 */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key).replaceAll("%20", "+").replaceAll("%2F", "/");
}

/** The handlers' decoder, re-exported so the runtime and its tests use the same one. */
export { decodeS3Key as decodeEventKey } from "../../../lib/events/s3-notification.js";

let lastSequence = 0n;

/** S3's sequencer: hex, increasing per key, so consumers can order events for the same object. */
export function nextSequencer(): string {
  const now = BigInt(Date.now()) * 1000n;
  lastSequence = now > lastSequence ? now : lastSequence + 1n;
  return lastSequence.toString(16).toUpperCase().padStart(16, "0");
}

export function s3EventRecord(facts: S3EventFacts): S3EventRecord {
  const key = encodeEventKey(facts.key);
  const sequencer = nextSequencer();
  // Removal records carry no size or eTag on AWS (the typings insist on them; AWS does not).
  const object = (
    facts.size === undefined
      ? { key, sequencer }
      : { key, size: facts.size, eTag: (facts.etag ?? "").replaceAll('"', ""), sequencer }
  ) as S3EventRecord["s3"]["object"];
  return {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    awsRegion: facts.region,
    eventTime: new Date().toISOString(),
    eventName: facts.eventName,
    userIdentity: { principalId: `AWS:${LOCAL_ACCOUNT}` },
    requestParameters: { sourceIPAddress: facts.sourceIp },
    responseElements: { "x-amz-request-id": facts.requestId, "x-amz-id-2": facts.hostId },
    s3: {
      s3SchemaVersion: "1.0",
      configurationId: facts.configurationId,
      bucket: {
        name: facts.bucket,
        ownerIdentity: { principalId: LOCAL_ACCOUNT },
        arn: `arn:aws:s3:::${facts.bucket}`,
      },
      object,
    },
  };
}

export function s3EventMessage(facts: S3EventFacts): string {
  const event: S3Event = { Records: [s3EventRecord(facts)] };
  return JSON.stringify(event);
}

export function s3TestEventMessage(bucket: string, requestId: string, hostId: string): string {
  const event: S3TestEvent = {
    Service: "Amazon S3",
    Event: "s3:TestEvent",
    Time: new Date().toISOString(),
    Bucket: bucket,
    RequestId: requestId,
    HostId: hostId,
  };
  return JSON.stringify(event);
}
