import type { SQSClient } from "@aws-sdk/client-sqs";
import type { ObjectStore } from "../lib/store/object-store.js";
import { QUEUED_STAGES, TOPOLOGY, type QueuedStage } from "../lib/pipeline/topology.js";
import { OpsError } from "./errors.js";

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
 * one thing AWS has and the local runtime lacks (StartMessageMoveTask).
 */
export interface OpsTarget {
  readonly kind: "aws" | "local";
  /** For messages: "stage prod" or "data directory /x/.totes". */
  readonly description: string;
  readonly sqs: SQSClient;
  readonly store: ObjectStore;
  readonly resources: StageResources;
}

export const DLQ_NAMES = QUEUED_STAGES;
export type DlqName = QueuedStage;

export function parseDlqName(text: string): DlqName {
  if ((DLQ_NAMES as readonly string[]).includes(text)) return text as DlqName;
  throw new OpsError(`--queue takes ${DLQ_NAMES.join(" or ")}, not "${text}"`);
}

/** A dead-letter queue, the queue its messages came from, and where its stage records failures. */
export interface DlqRoute {
  readonly name: DlqName;
  readonly dlqUrl: string;
  readonly sourceUrl: string;
  /** The bucket the stage's input objects (and so its failure records) live in. */
  readonly failureBucket: string;
}

export function dlqRoute(resources: StageResources, name: DlqName): DlqRoute {
  const bucket = { ingestion: resources.ingestionBucket, processed: resources.processedBucket };
  const failureBucket = bucket[TOPOLOGY[name].failures];
  return name === "transform"
    ? { name, dlqUrl: resources.transformDlqUrl, sourceUrl: resources.transformQueueUrl, failureBucket }
    : { name, dlqUrl: resources.loadDlqUrl, sourceUrl: resources.loadQueueUrl, failureBucket };
}
