import { access } from "node:fs/promises";
import path from "node:path";
import { GetQueueUrlCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { s3Client, sqsClient } from "../aws/clients.js";
import { DEFAULT_PIPELINE_RESOURCES, startLocalAws } from "./index.js";
import { awsStateDir } from "./aws/persistence.js";
import { ObjectStore } from "../../lib/store/object-store.js";
import { OpsError } from "../errors.js";
import type { OpsTarget, StageResources } from "../ops-target.js";

export interface OpenTarget {
  readonly target: OpsTarget;
  /** Releases clients; locally also saves the queues and objects back to the data directory. */
  close(): Promise<void>;
}

async function queueUrl(sqs: SQSClient, name: string, dataDir: string): Promise<string> {
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    if (QueueUrl) return QueueUrl;
  } catch (error) {
    throw new OpsError(`no queue ${name} in the local state under ${dataDir}: has \`totes run\` run there?`, {
      cause: error,
    });
  }
  throw new OpsError(`GetQueueUrl returned no URL for ${name}`);
}

/**
 * The local runtime's S3 + SQS, restored from the data directory `totes run` saves to. It
 * provisions nothing: a data directory no run has used is reported, not created. Only one
 * process should hold a data directory at a time (the last to stop saves its state).
 */
export async function openLocalTarget(
  dataDir: string,
  options: { readOnly?: boolean } = {},
): Promise<OpenTarget> {
  // Checked before starting: stopping the runtime saves, which would create state here.
  const saved = await access(path.join(awsStateDir(dataDir), "state.json")).then(
    () => true,
    () => false,
  );
  if (!saved)
    throw new OpsError(
      `no local pipeline state under ${dataDir}: run \`totes run --data-dir ${dataDir}\` first`,
    );
  const aws = await startLocalAws({ dataDir, ...(options.readOnly ? { persist: false } : {}) });
  const sqs = sqsClient(aws.endpoint);
  const s3 = s3Client(aws.endpoint);
  const close = async () => {
    sqs.destroy();
    s3.destroy();
    await aws.stop();
  };
  try {
    const names = DEFAULT_PIPELINE_RESOURCES;
    const resources: StageResources = {
      ingestionBucket: names.ingestionBucket,
      processedBucket: names.processedBucket,
      transformQueueUrl: await queueUrl(sqs, names.transformQueue, dataDir),
      transformDlqUrl: await queueUrl(sqs, names.transformDlq, dataDir),
      loadQueueUrl: await queueUrl(sqs, names.loadQueue, dataDir),
      loadDlqUrl: await queueUrl(sqs, names.loadDlq, dataDir),
    };
    return {
      target: {
        kind: "local",
        description: `data directory ${dataDir}`,
        sqs,
        store: new ObjectStore(s3),
        resources,
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
