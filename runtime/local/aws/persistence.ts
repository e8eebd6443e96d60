import { createHash, randomUUID } from "node:crypto";
import { mkdir, open, readFile, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { FauxqsStores, S3Object } from "./fauxqs-internals.js";
import { s3StoreMaps } from "./fauxqs-internals.js";
import type { BucketNotifications } from "./s3-hooks.js";
import {
  STATE_VERSION,
  awsStateDir,
  blobPath,
  readSavedState,
  statePath,
  type SavedBucket,
  type SavedQueue,
  type SavedState,
} from "./saved-state.js";

export { awsStateDir } from "./saved-state.js";

/**
 * Snapshot of the local S3 + SQS under `<dataDir>/aws/`:
 *   state.json          buckets, object metadata, notification rules, queues and messages
 *   blobs/ab/abcd…      object bodies, named by SHA-256 so unchanged bodies are written once
 * state.json is replaced by rename, so a crash mid-save leaves the previous snapshot whole;
 * blobs are written before the state that names them and removed only after it is replaced.
 */

export interface PersistenceSummary {
  readonly buckets: number;
  readonly objects: number;
  readonly queues: number;
  readonly messages: number;
}

/** Remembers each body's hash so a save re-hashes only objects written since the last one. */
const blobNames = new WeakMap<Buffer, string>();

const blobName = (body: Buffer) => {
  let name = blobNames.get(body);
  if (!name) {
    name = createHash("sha256").update(body).digest("hex");
    blobNames.set(body, name);
  }
  return name;
};

/** Write to a temporary name, flush, rename: readers see the old file or the new one, never half. */
async function writeAtomically(file: string, data: string | Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}-${randomUUID()}`;
  const handle = await open(temp, "w");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
}

async function exists(file: string): Promise<boolean> {
  try {
    await (await open(file, "r")).close();
    return true;
  } catch {
    return false;
  }
}

/** Saves everything; the in-memory state is captured synchronously, so the snapshot is consistent. */
export async function saveState(
  dataDir: string,
  stores: FauxqsStores,
  notifications: BucketNotifications,
): Promise<PersistenceSummary> {
  const dir = awsStateDir(dataDir);
  const bodies = new Map<string, Buffer>();
  const { buckets, bucketCreationDates } = s3StoreMaps(stores.s3Store);

  const savedBuckets: SavedBucket[] = [...buckets].map(([name, objects]) => ({
    name,
    createdAt: (bucketCreationDates.get(name) ?? new Date()).toISOString(),
    notifications: [...(notifications.get(name) ?? [])],
    objects: [...objects.values()].map((o) => {
      const blob = blobName(o.body);
      bodies.set(blob, o.body);
      return {
        key: o.key,
        blob,
        size: o.contentLength,
        contentType: o.contentType,
        etag: o.etag,
        lastModified: o.lastModified.toISOString(),
        metadata: o.metadata,
      };
    }),
  }));

  const savedQueues: SavedQueue[] = stores.sqsStore.listQueues().map((queue) => {
    const { ready, delayed, inflight } = queue.inspectMessages();
    const messages = [...ready, ...inflight.map((e) => e.message), ...delayed]
      .map((m) => structuredClone(m))
      .sort((a, b) => a.sentTimestamp - b.sentTimestamp);
    return {
      name: queue.name,
      arn: queue.arn,
      attributes: { ...queue.attributes },
      tags: Object.fromEntries(queue.tags),
      sequenceCounter: queue.sequenceCounter,
      messages,
    };
  });
  const state: SavedState = {
    version: STATE_VERSION,
    savedAt: new Date().toISOString(),
    buckets: savedBuckets,
    queues: savedQueues,
  };

  try {
    for (const [name, body] of bodies) {
      const file = blobPath(dir, name);
      if (!(await exists(file))) await writeAtomically(file, body);
    }
    await writeAtomically(statePath(dir), JSON.stringify(state));
    await removeUnreferencedBlobs(dir, new Set(bodies.keys()));
  } catch (error) {
    // The OS's reason (ENOSPC: no space left on device, EACCES…) is what the user can act on.
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`saving the local AWS state to ${dir} failed: ${reason}`, { cause: error });
  }
  return summarise(state);
}

async function removeUnreferencedBlobs(dir: string, keep: ReadonlySet<string>): Promise<void> {
  const root = path.join(dir, "blobs");
  for (const fanout of await readdir(root).catch(() => [])) {
    for (const file of await readdir(path.join(root, fanout))) {
      if (!keep.has(file)) await rm(path.join(root, fanout, file), { force: true });
    }
  }
}

/**
 * Loads the last snapshot into empty stores; returns undefined when there is none. Queue URLs
 * are rebuilt for this run's port by `queueUrl`.
 */
export async function restoreState(
  dataDir: string,
  stores: FauxqsStores,
  notifications: BucketNotifications,
  queueUrl: (name: string) => string,
): Promise<PersistenceSummary | undefined> {
  const dir = awsStateDir(dataDir);
  const state = await readSavedState(dataDir);
  if (!state) return undefined;

  const { buckets, bucketCreationDates } = s3StoreMaps(stores.s3Store);
  for (const saved of state.buckets) {
    stores.s3Store.createBucket(saved.name);
    bucketCreationDates.set(saved.name, new Date(saved.createdAt));
    if (saved.notifications.length > 0) notifications.set(saved.name, saved.notifications);
    const objects = buckets.get(saved.name)!;
    for (const o of saved.objects) {
      const file = blobPath(dir, o.blob);
      const body = await readFile(file).catch((error: unknown) => {
        throw new Error(`s3://${saved.name}/${o.key}: body ${file} is missing`, { cause: error });
      });
      blobNames.set(body, o.blob);
      const object: S3Object = {
        key: o.key,
        body,
        contentType: o.contentType,
        contentLength: body.length,
        etag: o.etag,
        lastModified: new Date(o.lastModified),
        metadata: o.metadata,
      };
      objects.set(o.key, object);
    }
  }

  for (const saved of state.queues) {
    const queue = stores.sqsStore.createQueue(
      saved.name,
      queueUrl(saved.name),
      saved.arn,
      saved.attributes,
      saved.tags,
    );
    queue.sequenceCounter = saved.sequenceCounter;
    for (const message of saved.messages) queue.enqueue(message);
  }
  await removeStaleTemporaries(dir);
  return summarise(state);
}

/** Leftovers of a save that crashed before its rename. */
async function removeStaleTemporaries(dir: string): Promise<void> {
  const candidates = [
    dir,
    ...(await readdir(path.join(dir, "blobs")).catch(() => [])).map((f) => path.join(dir, "blobs", f)),
  ];
  for (const folder of candidates) {
    for (const file of await readdir(folder).catch(() => [])) {
      if (file.includes(".tmp-")) await rm(path.join(folder, file), { force: true });
    }
  }
}

function summarise(state: SavedState): PersistenceSummary {
  return {
    buckets: state.buckets.length,
    objects: state.buckets.reduce((n, b) => n + b.objects.length, 0),
    queues: state.queues.length,
    messages: state.queues.reduce((n, q) => n + q.messages.length, 0),
  };
}
