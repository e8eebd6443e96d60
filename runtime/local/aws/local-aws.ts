import type { AwsEndpoint } from "../../aws/clients.js";
import { lockDataDir } from "../data-dir-lock.js";
import { buildApp, loadFauxqsInternals } from "./fauxqs-internals.js";
import { restoreState, saveState, type PersistenceSummary } from "./persistence.js";
import { installS3Hooks, type BucketNotifications } from "./s3-hooks.js";
import { installSqsHooks } from "./sqs-hooks.js";

export interface LocalAwsOptions {
  /** State lives in `<dataDir>/aws/`; restored on start, saved by `save()` and `stop()`. */
  readonly dataDir: string;
  /** Region the clients sign for; also the region in ARNs and S3 event records. */
  readonly region?: string;
  /** Also save every this many milliseconds, so a killed process loses at most that much. */
  readonly autosaveMs?: number;
  /**
   * False for a reader (`totes status`, `totes runs`): `stop()` then writes nothing back, so
   * a read-only command leaves the data directory as it found it, and skips re-hashing every
   * object body on the way out.
   */
  readonly persist?: boolean;
}

export interface LocalAws {
  /** Pass to `s3Client()` / `sqsClient()` from runtime/aws/clients.ts. */
  readonly endpoint: Required<AwsEndpoint>;
  /** What the start found in `<dataDir>/aws/` (undefined: nothing saved yet). */
  readonly restored: PersistenceSummary | undefined;
  save(): Promise<PersistenceSummary>;
  /** Closes the server (cutting open long polls) and saves. */
  stop(): Promise<PersistenceSummary>;
}

export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;

/**
 * A local stand-in for S3 + SQS: fauxqs in-process on 127.0.0.1 and a random port, plus
 * bucket notifications to SQS, conditional writes, and persistence across runs.
 */
export async function startLocalAws(options: LocalAwsOptions): Promise<LocalAws> {
  const region = options.region ?? "eu-west-2";
  const unlock = await lockDataDir(options.dataDir);
  const internals = await loadFauxqsInternals();
  const stores = internals.newStores();
  // An empty host makes queue URLs use the request's Host header (127.0.0.1:port), which
  // the SDK can reach; fauxqs's default sqs.<region>.localhost does not resolve everywhere.
  stores.sqsStore.host = "";
  stores.sqsStore.region = region;
  const notifications: BucketNotifications = new Map();

  const app = buildApp({ logger: false, defaultRegion: region, stores });
  installS3Hooks(app, { stores, internals, region, notifications });
  installSqsHooks(app, stores.sqsStore);
  const address = await app.listen({ port: 0, host: "127.0.0.1" });
  const url = new URL(address);

  let restored: PersistenceSummary | undefined;
  try {
    restored = await restoreState(options.dataDir, stores, notifications, (name) =>
      stores.sqsStore.buildQueueUrl(name, url.port, url.host, region),
    );
  } catch (error) {
    await app.close();
    await unlock();
    throw error;
  }

  // Saves run one at a time: an autosave and stop() must not interleave their writes.
  let saving: Promise<PersistenceSummary> = Promise.resolve({
    buckets: 0,
    objects: 0,
    queues: 0,
    messages: 0,
  });
  const save = () => {
    saving = saving.catch(() => undefined).then(() => saveState(options.dataDir, stores, notifications));
    return saving;
  };
  const timer = options.autosaveMs
    ? setInterval(() => void save().catch(() => undefined), options.autosaveMs)
    : undefined;
  timer?.unref();

  let stopped: Promise<PersistenceSummary> | undefined;
  return {
    endpoint: { endpoint: url.origin, region, credentials: { ...LOCAL_CREDENTIALS } },
    restored,
    save,
    stop() {
      stopped ??= (async () => {
        clearInterval(timer);
        await app.close();
        try {
          return options.persist === false ? (restored ?? (await saving)) : await save();
        } finally {
          await unlock();
        }
      })();
      return stopped;
    },
  };
}
