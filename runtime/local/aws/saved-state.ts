import { readFile } from "node:fs/promises";
import path from "node:path";
import type { SqsMessage } from "./fauxqs-internals.js";
import type { QueueNotificationRule } from "./notification-config.js";

/**
 * The on-disk snapshot of the local S3 + SQS under `<dataDir>/aws/` (written and restored by
 * persistence.ts), and reading it without starting the emulator: a read-only command
 * (`totes status`) answers from these files alone, without loading fauxqs or the AWS SDK.
 *   state.json          buckets, object metadata, notification rules, queues and messages
 *   blobs/ab/abcd…      object bodies, named by SHA-256 so unchanged bodies are written once
 */

export const STATE_VERSION = 1;

export interface SavedObject {
  readonly key: string;
  readonly blob: string;
  readonly size: number;
  readonly contentType: string;
  readonly etag: string;
  readonly lastModified: string;
  readonly metadata: Record<string, string>;
}

export interface SavedBucket {
  readonly name: string;
  readonly createdAt: string;
  readonly objects: SavedObject[];
  readonly notifications: QueueNotificationRule[];
}

export interface SavedQueue {
  readonly name: string;
  readonly arn: string;
  readonly attributes: Record<string, string>;
  readonly tags: Record<string, string>;
  readonly sequenceCounter: number;
  /** Visible, delayed and in-flight alike, oldest first: in-flight ones come back visible. */
  readonly messages: SqsMessage[];
}

export interface SavedState {
  readonly version: number;
  readonly savedAt: string;
  readonly buckets: SavedBucket[];
  readonly queues: SavedQueue[];
}

export const awsStateDir = (dataDir: string) => path.join(dataDir, "aws");
export const statePath = (dir: string) => path.join(dir, "state.json");
export const blobPath = (dir: string, name: string) => path.join(dir, "blobs", name.slice(0, 2), name);

/** The last snapshot, checked; undefined when none was saved. */
export async function readSavedState(dataDir: string): Promise<SavedState | undefined> {
  const file = statePath(awsStateDir(dataDir));
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`cannot read ${file}`, { cause: error });
  }
  let state: SavedState;
  try {
    state = JSON.parse(text) as SavedState;
  } catch (error) {
    throw new Error(`${file} is not valid JSON; move it aside to start empty`, { cause: error });
  }
  if (state.version !== STATE_VERSION)
    throw new Error(`${file} has state version ${state.version}; this code reads ${STATE_VERSION}`);
  return state;
}

/** One object's body from a snapshot; undefined when the bucket or key is not in it. */
export async function savedObjectBody(
  dataDir: string,
  state: SavedState,
  bucket: string,
  key: string,
): Promise<Buffer | undefined> {
  const object = state.buckets.find((b) => b.name === bucket)?.objects.find((o) => o.key === key);
  return object ? readFile(blobPath(awsStateDir(dataDir), object.blob)) : undefined;
}

/** Messages a saved queue holds: all visible once restored (a restore makes in-flight ones visible again). */
export const savedQueueMessages = (state: SavedState, queue: string): number =>
  state.queues.find((q) => q.name === queue)?.messages.length ?? 0;
