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
  /** Above the function's timeout (AWS advises six times it), or work would be done twice. */
  readonly visibilityTimeoutSeconds: number;
  /** The function's timeout. */
  readonly timeoutSeconds: number;
  /** How the function consumes the queue (the event source mapping). */
  readonly batch: { readonly size: number; readonly windowSeconds: number; readonly maxConcurrency: number };
  /** Failure records sit beside the stage's input objects, for `totes dlq`. */
  readonly failures: BucketRole;
}

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
