import type { StageResources } from "../runtime/ops-target.js";
import { QUEUED_STAGES, TOPOLOGY, type QueuedStage } from "../lib/pipeline/topology.js";
import { OpsError } from "./errors.js";

export type { OpsTarget, StageResources } from "../runtime/ops-target.js";

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
