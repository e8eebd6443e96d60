import type { SQSClient } from "@aws-sdk/client-sqs";
import type { ObjectStore } from "../lib/store/object-store.js";

/** Where one deployment of the pipeline lives: the same shape for a stage on AWS and for a data directory. */
export interface StageResources {
  readonly ingestionBucket: string;
  readonly processedBucket: string;
  readonly transformQueueUrl: string;
  readonly transformDlqUrl: string;
  readonly loadQueueUrl: string;
  readonly loadDlqUrl: string;
  /** The deployed extract function; undefined locally, where `totes run` extracts. */
  readonly extractFunction?: string;
}

/**
 * What the operator tools run against. The local runtime speaks the real S3 and SQS APIs,
 * so one implementation of every tool serves both; only `kind` tells them apart, for the
 * one thing AWS has and the local runtime lacks (StartMessageMoveTask). Both runtimes build
 * one, so the shape lives here, beneath them and `ops/`.
 */
export interface OpsTarget {
  readonly kind: "aws" | "local";
  /** For messages: "stage prod" or "data directory /x/.totes". */
  readonly description: string;
  readonly sqs: SQSClient;
  readonly store: ObjectStore;
  readonly resources: StageResources;
}
