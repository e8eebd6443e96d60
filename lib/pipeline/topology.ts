import { CSV_SUFFIX, PARQUET_SUFFIX, TABLES_PREFIX } from "./key-layout.js";

/**
 * The choreography, written once: for each queued stage, which bucket's new objects are its
 * work (and the key filter), its queue and dead-letter queue, how many receives a message
 * gets, how long it stays hidden while worked on, how its function consumes the queue, and
 * where its failure records live. `stacks/` builds AWS from it, the local runtime provisions
 * its stand-in from it, and the operators' tools find their way with it.
 */

export type BucketRole = "ingestion" | "processed";
export type QueuedStage = "transform" | "load";

export interface StageTopology {
  readonly stage: QueuedStage;
  /** New objects in this bucket whose keys match the filter are this stage's work. */
  readonly input: {
    readonly bucket: BucketRole;
    readonly prefix?: string;
    readonly suffix: string;
    /** Names the notification rule (S3 and the local stand-in). */
    readonly notification: string;
  };
  /** Component names on AWS (SST) and queue names locally. */
  readonly queue: { readonly component: string; readonly localName: string };
  readonly dlq: { readonly component: string; readonly localName: string };
  /** Receives before a message moves to the DLQ (the RedrivePolicy's maxReceiveCount). */
  readonly maxReceives: number;
  /**
   * Above the function's timeout (AWS advises six times it), or work would be done twice. It
   * applies to messages being worked on; a failed message is hidden for `retry` instead.
   */
  readonly visibilityTimeoutSeconds: number;
  /** How soon a failed message is tried again (see `retryDelaySeconds`). */
  readonly retry: RetryBackoff;
  /** The function's timeout. */
  readonly timeoutSeconds: number;
  /** How the function consumes the queue (the event source mapping). */
  readonly batch: { readonly size: number; readonly windowSeconds: number; readonly maxConcurrency: number };
  /** Failure records sit beside the stage's input objects, for `totes dlq`. */
  readonly failures: BucketRole;
}

/**
 * On failure the handler hides the message for `baseSeconds × receiveCount²`, at most
 * `maxSeconds` (ChangeMessageVisibility), instead of leaving it hidden for the whole visibility
 * timeout; after its last receive it is released at once, so SQS moves it to the DLQ on the
 * next poll.
 */
export interface RetryBackoff {
  readonly baseSeconds: number;
  readonly maxSeconds: number;
}

/** SQS's largest visibility timeout, 12 hours. */
const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

/**
 * Seconds to hide a message that failed on its `receiveCount`-th receive: whole seconds, as
 * SQS takes them; 0 on the last receive (nothing is left to wait for).
 */
export function retryDelaySeconds(
  stage: Pick<StageTopology, "maxReceives">,
  backoff: RetryBackoff,
  receiveCount: number,
): number {
  const count = Number.isFinite(receiveCount) && receiveCount >= 1 ? Math.floor(receiveCount) : 1;
  if (count >= stage.maxReceives) return 0;
  const delay = Math.ceil(Math.min(backoff.maxSeconds, backoff.baseSeconds * count * count));
  return Math.max(0, Math.min(MAX_VISIBILITY_SECONDS, delay));
}

/** The same schedule `factor` times as fast (the local runtime and its tests). */
export function scaledBackoff(backoff: RetryBackoff, factor: number): RetryBackoff {
  return { baseSeconds: backoff.baseSeconds * factor, maxSeconds: backoff.maxSeconds * factor };
}

/**
 * Retries 10 s and 40 s after the first two failures, then straight to the DLQ: a poison
 * message is dead-lettered about a minute after it first fails, not after 3 × 30 minutes.
 */
const RETRY: RetryBackoff = { baseSeconds: 10, maxSeconds: 5 * 60 };

/** Dead letters are kept for the longest SQS allows, 14 days, to give time to redrive. */
export const DLQ_RETENTION_SECONDS = 14 * 24 * 60 * 60;

export const TOPOLOGY: Readonly<Record<QueuedStage, StageTopology>> = {
  transform: {
    stage: "transform",
    input: { bucket: "ingestion", suffix: CSV_SUFFIX, notification: "CsvToTransform" },
    queue: { component: "TransformQueue", localName: "totes-transform" },
    dlq: { component: "TransformDlq", localName: "totes-transform-dlq" },
    maxReceives: 3,
    visibilityTimeoutSeconds: 30 * 60,
    retry: RETRY,
    timeoutSeconds: 5 * 60,
    // The window gathers one extract's dozen CSVs.
    batch: { size: 10, windowSeconds: 20, maxConcurrency: 5 },
    failures: "ingestion",
  },
  load: {
    stage: "load",
    // Only table files: the pipeline's own objects under `_state/` never match `tables/`.
    input: {
      bucket: "processed",
      prefix: TABLES_PREFIX,
      suffix: PARQUET_SUFFIX,
      notification: "ParquetToLoad",
    },
    queue: { component: "LoadQueue", localName: "totes-load" },
    dlq: { component: "LoadDlq", localName: "totes-load-dlq" },
    maxReceives: 3,
    visibilityTimeoutSeconds: 30 * 60,
    retry: RETRY,
    timeoutSeconds: 5 * 60,
    // Two at once at most (the lowest SQS allows), so the warehouse sees few connections.
    batch: { size: 10, windowSeconds: 10, maxConcurrency: 2 },
    failures: "processed",
  },
};

/** The buckets' names in the local runtime (on AWS, SST names them). */
export const LOCAL_BUCKETS: Readonly<Record<BucketRole, string>> = {
  ingestion: "totes-ingestion",
  processed: "totes-processed",
};

export const QUEUED_STAGES: readonly QueuedStage[] = ["transform", "load"];

/**
 * The handlers' CloudWatch metrics (EMF, through Powertools Metrics), named once: the
 * handlers publish them, `stacks/` alarms on them and draws them. Every metric carries the
 * dimension `service`; per-object metrics are published twice, by `stage` and by
 * `stage` and `table`, so an alarm can watch a whole stage and a dashboard each table.
 */
export const METRICS = {
  namespace: "totes-etl",
  service: "totes-etl",
  /** Per function (dimension `service` only). */
  extractRuns: "extractRuns",
  messages: { transform: "transformMessages", load: "loadMessages" },
  failures: { transform: "transformFailures", load: "loadFailures" },
  /** Per stage and table: rows read, rows written, seconds spent on one object. */
  rowsIn: "rowsIn",
  rowsOut: "rowsOut",
  seconds: "seconds",
  /**
   * Rows the transform set aside instead of failing the object (dimensions stage=transform,
   * table). Published once row-level quarantine lands; alarmed on already.
   */
  quarantinedRows: "quarantinedRows",
  /**
   * Load, per table: seconds from the extraction snapshot an object holds (the time stamp in
   * its key) to the moment the load committed it — how far the warehouse trails the source.
   */
  sourceLagSeconds: "sourceLagSeconds",
  /**
   * Verify (dimension `service` only), once per scheduled run: rows missing, extra and
   * differing between source and warehouse plus data test failures; 0 when they are equal.
   */
  verifyMismatches: "verifyMismatches",
} as const;
