import { STATE_PREFIX } from "./keys.js";
import type { ObjectStore } from "../store/object-store.js";
import { isRecord, parseStateFile } from "./state-file.js";

/**
 * A dead-letter message carries no error by itself, so handlers record each failure next
 * to the data, keyed by the object (stable across replays, unlike message ids).
 */
export interface FailureRecord {
  readonly stage: string;
  readonly objectKey: string;
  readonly failures: readonly {
    readonly at: string;
    readonly messageId: string;
    readonly receiveCount: number;
    readonly error: string;
  }[];
}

export const failurePrefix = (stage: string) => `${STATE_PREFIX}failures/${stage}/`;
export const failureKey = (stage: string, objectKey: string) =>
  `${failurePrefix(stage)}${encodeURIComponent(objectKey)}.json`;

const HISTORY = 20;

export async function recordFailure(
  store: ObjectStore,
  bucket: string,
  entry: { stage: string; objectKey: string; messageId: string; receiveCount: number; error: string },
): Promise<void> {
  const key = failureKey(entry.stage, entry.objectKey);
  const existing = await store.getBytes(bucket, key);
  const previous = existing ? parseFailure(key, existing.body).failures : [];
  const record: FailureRecord = {
    stage: entry.stage,
    objectKey: entry.objectKey,
    failures: [
      ...previous,
      {
        at: new Date().toISOString(),
        messageId: entry.messageId,
        receiveCount: entry.receiveCount,
        error: entry.error,
      },
    ].slice(-HISTORY),
  };
  await store.putBytes(bucket, key, JSON.stringify(record, null, 2), { contentType: "application/json" });
}

export async function readFailure(store: ObjectStore, bucket: string, stage: string, objectKey: string) {
  const key = failureKey(stage, objectKey);
  const found = await store.getBytes(bucket, key);
  return found ? parseFailure(key, found.body) : undefined;
}

const isFailureRecord = (v: unknown): v is FailureRecord =>
  isRecord(v) &&
  typeof v.stage === "string" &&
  typeof v.objectKey === "string" &&
  Array.isArray(v.failures) &&
  v.failures.every((f) => isRecord(f) && typeof f.error === "string" && typeof f.at === "string");

const parseFailure = (key: string, body: Uint8Array) =>
  parseStateFile(key, body, "a failure record", isFailureRecord);
