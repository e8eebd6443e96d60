import { readFile } from "node:fs/promises";
import { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import { s3Client, sqsClient } from "./clients.js";
import { ObjectStore } from "../../lib/store/object-store.js";
import { resolveAwsStage, stageResourcesFromOutputs } from "./stage-resources.js";
import { StageResolutionError } from "../errors.js";
import type { OpenTarget } from "../local/ops-target.js";
import type { StageResources } from "../ops-target.js";
import { awsRegion } from "./region.js";

export { awsRegion } from "./region.js";

async function fromOutputsFile(file: string, stage: string): Promise<StageResources> {
  try {
    return stageResourcesFromOutputs(
      JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>,
      stage,
    );
  } catch (error) {
    if (error instanceof StageResolutionError) throw error;
    throw new StageResolutionError(stage, `cannot read SST outputs from ${file}`, { cause: error });
  }
}

/** A deployed stage, with the user's ordinary AWS credentials chain and region. */
export async function openAwsTarget(
  stage: string,
  options: { outputsFile?: string } = {},
): Promise<OpenTarget> {
  const region = awsRegion();
  let resources: StageResources;
  if (options.outputsFile) resources = await fromOutputsFile(options.outputsFile, stage);
  else {
    const tagging = new ResourceGroupsTaggingAPIClient({ region });
    try {
      resources = await resolveAwsStage(tagging, stage);
    } finally {
      tagging.destroy();
    }
  }
  const sqs = sqsClient({ region });
  const s3 = s3Client({ region });
  return {
    target: {
      kind: "aws",
      description: `stage ${stage} (${region})`,
      sqs,
      store: new ObjectStore(s3),
      resources,
    },
    close: async () => {
      sqs.destroy();
      s3.destroy();
    },
  };
}
