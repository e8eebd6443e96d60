import {
  GetResourcesCommand,
  type ResourceGroupsTaggingAPIClient,
} from "@aws-sdk/client-resource-groups-tagging-api";
import { StageResolutionError } from "../errors.js";
import type { StageResources } from "../ops-target.js";
import { SST_APP } from "./sst-app.js";

export { SST_APP };

/**
 * SST names a resource `{app}-{stage}-{Component}{Kind}-{random}` (buckets lower-cased,
 * app and stage truncated when long) and tags it with `sst:app` and `sst:stage`: the tags
 * pick the stage, the component part of the name picks the resource.
 */
const COMPONENTS = {
  ingestionBucket: { service: "s3", component: "IngestionBucketBucket" },
  processedBucket: { service: "s3", component: "ProcessedBucketBucket" },
  transformQueueUrl: { service: "sqs", component: "TransformQueueQueue" },
  transformDlqUrl: { service: "sqs", component: "TransformDlqQueue" },
  loadQueueUrl: { service: "sqs", component: "LoadQueueQueue" },
  loadDlqUrl: { service: "sqs", component: "LoadDlqQueue" },
  extractFunction: { service: "lambda", component: "ExtractFunction" },
} as const;

type Field = keyof typeof COMPONENTS;

interface Arn {
  readonly service: string;
  readonly region: string;
  readonly account: string;
  /** The resource's name: bucket, queue or function name. */
  readonly name: string;
}

function parseArn(arn: string): Arn | undefined {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return undefined;
  const [, , service = "", region = "", account = ""] = parts;
  // lambda: arn:aws:lambda:r:a:function:NAME[:qualifier]; s3: arn:aws:s3:::NAME; sqs: arn:aws:sqs:r:a:NAME
  const name = service === "lambda" ? (parts[6] ?? "") : parts.slice(5).join(":");
  return { service, region, account, name };
}

/** `…-{component}-{random}`: the part before the random suffix is the component. */
const matches = (name: string, component: string) => {
  const parts = name.toLowerCase().split("-");
  return parts.length >= 2 && parts[parts.length - 2] === component.toLowerCase();
};

const queueUrl = (arn: Arn) => `https://sqs.${arn.region}.amazonaws.com/${arn.account}/${arn.name}`;

/** Every resource of the stage, following GetResources' pagination. */
async function stageArns(client: ResourceGroupsTaggingAPIClient, stage: string): Promise<string[]> {
  const arns: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new GetResourcesCommand({
        TagFilters: [
          { Key: "sst:app", Values: [SST_APP] },
          { Key: "sst:stage", Values: [stage] },
        ],
        ResourceTypeFilters: ["s3", "sqs", "lambda:function"],
        ...(token ? { PaginationToken: token } : {}),
      }),
    );
    for (const mapping of page.ResourceTagMappingList ?? [])
      if (mapping.ResourceARN) arns.push(mapping.ResourceARN);
    token = page.PaginationToken || undefined;
  } while (token);
  return arns;
}

/**
 * The deployed stage's buckets, queues and extract function, found by their SST tags with
 * the caller's ordinary AWS credentials (needs tag:GetResources).
 */
export async function resolveAwsStage(
  client: ResourceGroupsTaggingAPIClient,
  stage: string,
): Promise<StageResources> {
  let arns: string[];
  try {
    arns = await stageArns(client, stage);
  } catch (error) {
    throw new StageResolutionError(
      stage,
      `listing resources tagged sst:app=${SST_APP}, sst:stage=${stage} failed (credentials, region, tag:GetResources permission?): ${(error as Error).message}`,
      { cause: error },
    );
  }
  const found: Partial<Record<Field, string>> = {};
  const duplicates: string[] = [];
  for (const text of arns) {
    const arn = parseArn(text);
    if (!arn) continue;
    for (const [field, { service, component }] of Object.entries(COMPONENTS) as [
      Field,
      (typeof COMPONENTS)[Field],
    ][]) {
      if (arn.service !== service || !matches(arn.name, component)) continue;
      if (found[field]) duplicates.push(`${component} (${found[field]} and ${arn.name})`);
      found[field] = service === "sqs" ? queueUrl(arn) : arn.name;
    }
  }
  if (duplicates.length)
    throw new StageResolutionError(stage, `more than one resource for ${duplicates.join(", ")}`);
  const missing = (Object.keys(COMPONENTS) as Field[]).filter((f) => !found[f]);
  if (missing.length)
    throw new StageResolutionError(
      stage,
      `no ${missing.map((f) => COMPONENTS[f].component).join(", ")} among ${arns.length} resources tagged sst:app=${SST_APP}, sst:stage=${stage}. Is the stage deployed in this account and region (AWS_REGION)?`,
    );
  return found as Required<StageResources>;
}

/** The same from SST's outputs (`sst.config.ts` returns them; `sst deploy` writes `.sst/outputs.json`). */
export function stageResourcesFromOutputs(outputs: Record<string, unknown>, stage: string): StageResources {
  const read = (key: string): string => {
    const value = outputs[key];
    if (typeof value !== "string" || !value)
      throw new StageResolutionError(stage, `the SST outputs have no "${key}"`);
    return value;
  };
  return {
    ingestionBucket: read("ingestionBucket"),
    processedBucket: read("processedBucket"),
    transformQueueUrl: read("transformQueue"),
    transformDlqUrl: read("transformDlq"),
    loadQueueUrl: read("loadQueue"),
    loadDlqUrl: read("loadDlq"),
    extractFunction: read("extract"),
  };
}
