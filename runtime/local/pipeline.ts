import type { SQSEvent } from "aws-lambda";
import { s3Client, sqsClient } from "../aws/clients.js";
import { queueDepth } from "../aws/queue-depth.js";
import type { Pool } from "../../lib/db/pool.js";
import { PipelineError, WarehouseSchemaError } from "../../lib/errors.js";
import { SOURCE_TABLES } from "../../lib/catalog/index.js";
import type { PartBound } from "../../lib/extract/csv-parts.js";
import type { ExtractResult, TableExtract } from "../../lib/extract/extract.js";
import { extractRequestEvent, localRunEvent } from "../../lib/pipeline/extract-events.js";
import type { LoadedTable } from "../../lib/warehouse/warehouse.js";
import {
  DEFAULT_PIPELINE_RESOURCES,
  SqsEventSource,
  drain,
  provisionPipeline,
  startLocalAws,
  type BatchResult,
  type LocalAws,
  type ProvisionedPipeline,
} from "./index.js";
import type { Buckets } from "../../lib/pipeline/location.js";
import { listQuarantine } from "../../lib/pipeline/quarantine.js";
import { scaledBackoff, TOPOLOGY } from "../../lib/pipeline/topology.js";
import { ObjectStore } from "../../lib/store/object-store.js";
import { postgresWarehouse } from "../../lib/warehouse/postgres.js";
import type { Warehouse } from "../../lib/warehouse/warehouse.js";
import { catchUpWarehouse, type CatchUpReport } from "../../lib/load/catch-up.js";
import { WarehouseOwnedError, type PipelineIdentity } from "../../lib/warehouse/ownership.js";
import { createExtractHandler } from "../lambda/extract-handler.js";
import { localPipelineIdentity } from "./pipeline-identity.js";
import { createLoadHandler } from "../lambda/load-handler.js";
import { warmDuckDb } from "../../lib/transform/duckdb-session.js";
import { createTransformHandler } from "../lambda/transform-handler.js";
import { localContext } from "./lambda/context.js";

/** The databases the handlers of a local run talk to; the caller owns (and ends) the pools. */
export interface LocalDatabases {
  readonly source: Pool;
  readonly warehouse: Pool;
  /** The schema the source tables are read from (default `public`). */
  readonly sourceSchema?: string;
}

/** `drain()` before any `runOnce()` told the pipeline which databases to use. */
export class NoDatabasesError extends PipelineError {
  constructor() {
    super("the local pipeline has no databases yet: call runOnce() (or connect()) first");
  }
}

export type { LoadedTable } from "../../lib/warehouse/warehouse.js";

/** Quarantined rows (see lib/pipeline/quarantine.ts) as a run leaves them. */
export interface QuarantineCounts {
  /** Rows the transforms of this run set aside. */
  readonly quarantined: number;
  /** Rows settled during this run (a newer version went through, or a replay passed). */
  readonly settled: number;
  /** Rows still unsettled, from this run or any earlier one. */
  readonly unsettled: number;
}

export interface RunSummary {
  /** Set when the warehouse lacked loads this pipeline had recorded (restored from a backup): caught up first. */
  readonly caughtUp?: CatchUpReport;
  /**
   * Set when the current-version views and comments differ from the catalog's and a reader
   * held them past the lock timeout: loads went on without them; the next run tries again.
   */
  readonly viewsDeferred?: boolean;
  readonly extract: ExtractResult;
  readonly loaded: readonly LoadedTable[];
  readonly deadLetters: { readonly transform: number; readonly load: number };
  readonly quarantine: QuarantineCounts;
  readonly seconds: number;
  /** Set when the run was stopped early (Ctrl-C): messages still waiting in the local queues. */
  readonly interrupted?: { readonly waiting: number };
}

/** One queued stage's messages during a drain: handled so far, of all it has been given (handled + waiting). */
export interface StageProgress {
  readonly done: number;
  readonly total: number;
}

/** Where a drain stands, after each batch: transform first, as the messages flow. */
export interface DrainProgress {
  readonly transform: StageProgress;
  readonly load: StageProgress;
  /** Attempts that failed (each message is retried, then dead-lettered). */
  readonly failed: number;
}

/** Visibility timeout of the local queues: above any handler run, as on AWS. */
const VISIBILITY_SECONDS = 120;
/**
 * Locally the handlers back a failed message off on the topology's schedule ten times as
 * fast (1 s, 4 s, then the DLQ where AWS waits 10 s, 40 s): the same code path, in seconds.
 */
export const LOCAL_BACKOFF_SCALE = 0.1;

export interface LocalPipelineOptions {
  /** The retry backoff as a fraction of the topology's (default LOCAL_BACKOFF_SCALE). */
  readonly backoffScale?: number;
}

/**
 * The whole choreography on this machine: the local S3/SQS stand-in, the same Lambda
 * handlers as on AWS, and event source pollers that drive them. State (objects, queues,
 * dead letters) persists under the data directory between runs.
 */
export class LocalPipeline {
  private databases: { warehouse: Warehouse } | undefined;
  private readonly buckets: Buckets;

  private constructor(
    private readonly aws: LocalAws,
    readonly pipeline: ProvisionedPipeline,
    /** Who this pipeline is to the warehouse it loads (lib/warehouse/ownership.ts). */
    readonly identity: PipelineIdentity,
    private readonly backoffScale: number,
  ) {
    // One client for the run, as a warm Lambda keeps one.
    this.buckets = {
      store: new ObjectStore(s3Client(aws.endpoint)),
      ingestionBucket: pipeline.resources.ingestionBucket,
      processedBucket: pipeline.resources.processedBucket,
    };
  }

  /** The warehouse the load handler writes from now on (runOnce sets it too). */
  connect(databases: { readonly warehouse: Pool }): void {
    this.databases = { warehouse: postgresWarehouse(databases.warehouse) };
  }

  static async start(dataDir: string, options: LocalPipelineOptions = {}): Promise<LocalPipeline> {
    const aws = await startLocalAws({ dataDir, autosaveMs: 10_000 });
    try {
      const pipeline = await provisionPipeline(aws.endpoint, DEFAULT_PIPELINE_RESOURCES, {
        visibilityTimeoutSeconds: VISIBILITY_SECONDS,
      });
      const identity = await localPipelineIdentity(dataDir);
      return new LocalPipeline(aws, pipeline, identity, options.backoffScale ?? LOCAL_BACKOFF_SCALE);
    } catch (error) {
      await aws.stop();
      throw error;
    }
  }

  get endpoint() {
    return this.aws.endpoint;
  }

  private source(queue: "transform" | "load", onObjectDone?: (objectKey: string) => void) {
    const ref = queue === "transform" ? this.pipeline.transformQueue : this.pipeline.loadQueue;
    const databases = this.databases;
    if (!databases) throw new NoDatabasesError();
    const sqs = sqsClient(this.aws.endpoint);
    // The handler shortens a failed message's visibility itself, as on AWS; the source leaves it.
    const retry = { sqs, backoff: scaledBackoff(TOPOLOGY[queue].retry, this.backoffScale) };
    const progress = onObjectDone ? { onObjectDone } : {};
    const handler =
      queue === "transform"
        ? createTransformHandler({ buckets: this.buckets, retry, ...progress })
        : createLoadHandler({
            buckets: this.buckets,
            warehouse: databases.warehouse,
            pipeline: this.identity,
            retry,
            ...progress,
          });
    return new SqsEventSource({
      sqs,
      queueUrl: ref.url,
      queueArn: ref.arn,
      name: queue,
      region: this.aws.endpoint.region,
      batchSize: 10,
      // Short polls (the drain sleeps between empty ones): a drain that has ended waits for the
      // receives in progress, and a long poll made every run's end wait up to a second more.
      waitTimeSeconds: 0,
      visibilityTimeoutSeconds: VISIBILITY_SECONDS,
      handler: async (event: SQSEvent) =>
        (await handler(event, localContext(`totes-${queue}`))) as {
          batchItemFailures: { itemIdentifier: string }[];
        },
    });
  }

  async deadLetters(): Promise<{ transform: number; load: number }> {
    const sqs = sqsClient(this.aws.endpoint);
    const [transform, load] = await Promise.all([
      queueDepth(sqs, this.pipeline.transformDlq.url),
      queueDepth(sqs, this.pipeline.loadDlq.url),
    ]);
    return { transform: transform.visible, load: load.visible };
  }

  /**
   * Transform and load until both queues are empty (failures end up in the DLQs).
   * `onProgress` hears after each batch how far each stage is: messages handled, of handled
   * plus those still in its queue (a transform adds load messages as it goes).
   */
  async drain(
    onBatch?: (result: BatchResult) => void,
    signal?: AbortSignal,
    onProgress?: (progress: DrainProgress) => void,
  ) {
    // Objects done per stage, counted as each finishes (a batch of ten takes a while); those
    // of the batch in hand are still in flight on the queue until the batch ends.
    const done = { transform: 0, load: 0, failed: 0 };
    const unsettled = { transform: 0, load: 0 };
    const sqs = onProgress && sqsClient(this.aws.endpoint);
    let reported = Promise.resolve();
    const waiting = async (url: string) => {
      const d = await queueDepth(sqs!, url);
      return d.visible + d.inFlight + d.delayed;
    };
    const report = () => {
      if (!onProgress) return;
      const snapshot = { done: { ...done }, unsettled: { ...unsettled } };
      // In order, one at a time: later figures never show before earlier ones.
      reported = reported.then(async () => {
        const [t, l] = await Promise.all([
          waiting(this.pipeline.transformQueue.url),
          waiting(this.pipeline.loadQueue.url),
        ]).catch(() => [0, 0]);
        const stage = (name: "transform" | "load", queued: number) => ({
          done: snapshot.done[name],
          total: snapshot.done[name] + Math.max(0, queued - snapshot.unsettled[name]),
        });
        onProgress({
          transform: stage("transform", t ?? 0),
          load: stage("load", l ?? 0),
          failed: snapshot.done.failed,
        });
      });
    };
    const objectDone = (stage: "transform" | "load") => () => {
      done[stage]++;
      unsettled[stage]++;
      report();
    };
    const batch = (result: BatchResult) => {
      onBatch?.(result);
      const stage = result.source as "transform" | "load";
      unsettled[stage] = 0;
      done.failed += result.failed;
      report();
    };
    try {
      return await drain({
        sources: [
          this.source("transform", onProgress && objectDone("transform")),
          this.source("load", onProgress && objectDone("load")),
        ],
        // The local S3 queues an object's notification before it answers the PUT, and a message
        // is in flight until its handler (which queues what it writes first) deletes it: the
        // queues staying empty over two samples means nothing is left. Was 750 ms of every run.
        idleMs: 200,
        onBatch: batch,
        signal,
      });
    } finally {
      await reported;
      sqs?.destroy();
    }
  }

  /** Quarantined rows: set aside and settled since `since`, and unsettled in all. */
  async quarantine(since: Date): Promise<QuarantineCounts> {
    const entries = await listQuarantine(this.buckets.store, this.buckets.ingestionBucket);
    const from = since.toISOString();
    return {
      quarantined: entries.filter((e) => e.resolved?.how !== "passed-on-replay" && e.checkedAt >= from)
        .length,
      settled: entries.filter((e) => e.resolved && e.resolved.at >= from).length,
      unsettled: entries.filter((e) => !e.resolved).length,
    };
  }

  /** Messages waiting (visible, in flight or delayed) in the transform and load queues. */
  async waiting(): Promise<number> {
    const sqs = sqsClient(this.aws.endpoint);
    const depths = await Promise.all(
      [this.pipeline.transformQueue, this.pipeline.loadQueue].map((q) => queueDepth(sqs, q.url)),
    );
    return depths.reduce((n, d) => n + d.visible + d.inFlight + d.delayed, 0);
  }

  /**
   * One extraction, then everything it set off, through the queues. `onExtractTable` hears
   * of each source table as its extraction ends (`done` of `total`), `onBatch` of each batch
   * the queues' pollers handle. `backfill` names tables the extraction reads in full: the
   * handler gets the "Backfill requested" event a deployed stage's rule would deliver.
   */
  async runOnce(
    options: LocalDatabases & {
      signal?: AbortSignal;
      onExtractTable?: (table: TableExtract, done: number, total: number) => void;
      backfill?: readonly string[];
      /** Where the drain stands after each batch (done/total per stage). */
      onProgress?: (progress: DrainProgress) => void;
      /** What started this run, for its run record: a `totes run` (default) or its `--every` schedule. */
      trigger?: "run" | "schedule";
      /** The most one CSV holds (default DEFAULT_PART_BOUND). */
      parts?: PartBound;
    },
    onBatch?: (result: BatchResult) => void,
  ): Promise<RunSummary> {
    const started = new Date();
    this.connect(options);
    // The transforms' DuckDB is made while the extract reads, not by the first CSV.
    warmDuckDb();
    const warehouse = postgresWarehouse(options.warehouse);
    // The load handler checks the schema itself. A warehouse that is down must not stop
    // extract and transform: its load messages dead-letter, for `totes dlq replay` later. One
    // whose tables conflict with the catalog (or lack tables this login cannot create) stops
    // the run before anything is extracted: no load could succeed until it is fixed.
    const schema = await warehouse.ensureSchema().catch((error: unknown) => {
      if (error instanceof WarehouseSchemaError) throw error;
      return undefined;
    });
    // A warehouse another pipeline loads refuses this one before anything is extracted; one
    // restored from a backup is caught up with what this pipeline had loaded into it.
    let caughtUp: CatchUpReport | undefined;
    if (schema)
      try {
        await warehouse.claim(this.identity);
        const report = await catchUpWarehouse({
          store: this.buckets.store,
          bucket: this.buckets.processedBucket,
          warehouse,
          pipeline: this.identity,
        });
        if (report.missing.length) caughtUp = report;
      } catch (error) {
        // Another pipeline's warehouse stops the run; one that went down meanwhile does not
        // (as above: its loads dead-letter for a replay, and the next run catches up).
        if (error instanceof WarehouseOwnedError) throw error;
      }
    // Stopped (Ctrl-C) while waiting on the warehouse: nothing extracted, nothing to save.
    if (options.signal?.aborted)
      return {
        interrupted: { waiting: await this.waiting() },
        extract: { runAt: started.toISOString(), tables: [], runKey: "" },
        loaded: [],
        deadLetters: await this.deadLetters(),
        quarantine: await this.quarantine(started),
        seconds: (Date.now() - started.getTime()) / 1000,
      };
    let done = 0;
    const extractHandler = createExtractHandler(
      {
        buckets: this.buckets,
        source: options.source,
        ...(options.sourceSchema ? { sourceSchema: options.sourceSchema } : {}),
        ...(options.parts ? { parts: options.parts } : {}),
      },
      options.onExtractTable &&
        ((t: TableExtract) => options.onExtractTable?.(t, ++done, SOURCE_TABLES.length)),
    );
    const event = options.backfill
      ? extractRequestEvent("local", options.backfill)
      : localRunEvent(options.trigger ?? "run");
    const extract = (await extractHandler(event, localContext("totes-extract"))) as ExtractResult;
    // Extraction is one step (its CSVs and high marks commit together); the drain is where a
    // Ctrl-C stops, between batches.
    await this.drain(onBatch, options.signal, options.onProgress);
    await this.aws.save();
    const interrupted = options.signal?.aborted ? { waiting: await this.waiting() } : undefined;
    return {
      ...(interrupted ? { interrupted } : {}),
      ...(caughtUp ? { caughtUp } : {}),
      ...(schema?.presentation === "deferred" ? { viewsDeferred: true } : {}),
      extract,
      loaded: await warehouse.loadedSince(started).catch(() => []),
      deadLetters: await this.deadLetters(),
      quarantine: await this.quarantine(started),
      seconds: (Date.now() - started.getTime()) / 1000,
    };
  }

  async stop(): Promise<void> {
    this.buckets.store.destroy();
    await this.aws.stop();
  }
}
