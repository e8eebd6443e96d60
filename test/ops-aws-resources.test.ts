import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
  type GetResourcesCommandOutput,
} from "@aws-sdk/client-resource-groups-tagging-api";
import { describe, expect, it, vi } from "vitest";
import { invokeExtract, resolveAwsStage, stageResourcesFromOutputs } from "../ops/index.js";

const ACCOUNT = "123456789012";
const REGION = "eu-west-2";

/** ARNs as a `totes-etl` stage named `prod` has them (SST's names: app-stage-Component-random). */
const STAGE_ARNS = [
  "arn:aws:s3:::totes-etl-prod-ingestionbucketbucket-ab12cd34",
  "arn:aws:s3:::totes-etl-prod-processedbucketbucket-ef56gh78",
  `arn:aws:sqs:${REGION}:${ACCOUNT}:totes-etl-prod-TransformQueueQueue-aaaaaaaa`,
  `arn:aws:sqs:${REGION}:${ACCOUNT}:totes-etl-prod-TransformDlqQueue-bbbbbbbb`,
  `arn:aws:sqs:${REGION}:${ACCOUNT}:totes-etl-prod-LoadQueueQueue-cccccccc`,
  `arn:aws:sqs:${REGION}:${ACCOUNT}:totes-etl-prod-LoadDlqQueue-dddddddd`,
  `arn:aws:lambda:${REGION}:${ACCOUNT}:function:totes-etl-prod-ExtractFunction-eeeeeeee`,
  `arn:aws:lambda:${REGION}:${ACCOUNT}:function:totes-etl-prod-TransformFunction-ffffffff`,
  `arn:aws:lambda:${REGION}:${ACCOUNT}:function:totes-etl-prod-LoadFunction-gggggggg`,
];

const page = (arns: string[], token?: string) =>
  ({
    ResourceTagMappingList: arns.map((ResourceARN) => ({ ResourceARN })),
    PaginationToken: token ?? "",
    $metadata: {},
  }) as GetResourcesCommandOutput;

/** A real client whose `send` answers from pages; records the commands it was sent. */
function taggingClient(pages: GetResourcesCommandOutput[] | Error) {
  const client = new ResourceGroupsTaggingAPIClient({ region: REGION });
  const sent: GetResourcesCommand[] = [];
  vi.spyOn(client, "send").mockImplementation(async (command: unknown) => {
    sent.push(command as GetResourcesCommand);
    if (pages instanceof Error) throw pages;
    return pages[sent.length - 1]!;
  });
  return { client, sent };
}

describe("resolveAwsStage: a deployed stage's resources from SST's tags", () => {
  it("finds every resource across pages, by the stage's tags", async () => {
    // Prepare
    const { client, sent } = taggingClient([page(STAGE_ARNS.slice(0, 4), "next"), page(STAGE_ARNS.slice(4))]);
    // Act
    const resources = await resolveAwsStage(client, "prod");
    // Assess
    expect(resources).toEqual({
      ingestionBucket: "totes-etl-prod-ingestionbucketbucket-ab12cd34",
      processedBucket: "totes-etl-prod-processedbucketbucket-ef56gh78",
      transformQueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/totes-etl-prod-TransformQueueQueue-aaaaaaaa`,
      transformDlqUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/totes-etl-prod-TransformDlqQueue-bbbbbbbb`,
      loadQueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/totes-etl-prod-LoadQueueQueue-cccccccc`,
      loadDlqUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/totes-etl-prod-LoadDlqQueue-dddddddd`,
      extractFunction: "totes-etl-prod-ExtractFunction-eeeeeeee",
    });
    expect(sent).toHaveLength(2);
    expect(sent[0]!.input.TagFilters).toEqual([
      { Key: "sst:app", Values: ["totes-etl"] },
      { Key: "sst:stage", Values: ["prod"] },
    ]);
    expect(sent[1]!.input.PaginationToken).toBe("next");
  });

  it("names what is missing when the stage is not (fully) deployed", async () => {
    const { client } = taggingClient([page(STAGE_ARNS.filter((a) => !a.includes("Dlq")))]);
    await expect(resolveAwsStage(client, "prod")).rejects.toThrow(
      /stage prod: no TransformDlqQueue, LoadDlqQueue among 7 resources/,
    );
  });

  it("refuses to guess between two matches", async () => {
    const { client } = taggingClient([
      page([...STAGE_ARNS, "arn:aws:s3:::totes-etl-prod-ingestionbucketbucket-zz99zz99"]),
    ]);
    await expect(resolveAwsStage(client, "prod")).rejects.toThrow(
      /more than one resource for IngestionBucketBucket/,
    );
  });

  it("says what to check when the API call fails", async () => {
    const { client } = taggingClient(new Error("The security token included in the request is invalid"));
    await expect(resolveAwsStage(client, "prod")).rejects.toThrow(/credentials, region.*security token/);
  });
});

describe("stageResourcesFromOutputs", () => {
  it("reads sst.config.ts's outputs and names a missing one", () => {
    const outputs = {
      ingestionBucket: "i",
      processedBucket: "p",
      transformQueue: "tq",
      transformDlq: "td",
      loadQueue: "lq",
      loadDlq: "ld",
      extract: "fn",
    };
    expect(stageResourcesFromOutputs(outputs, "dev")).toMatchObject({
      transformDlqUrl: "td",
      extractFunction: "fn",
    });
    expect(() => stageResourcesFromOutputs({ ...outputs, loadDlq: undefined }, "dev")).toThrow(
      /no "loadDlq"/,
    );
  });
});

describe("invokeExtract", () => {
  it("invokes the function asynchronously and reports the accepted event", async () => {
    const lambda = new LambdaClient({ region: REGION });
    const sent: InvokeCommand[] = [];
    vi.spyOn(lambda, "send").mockImplementation(async (command: unknown) => {
      sent.push(command as InvokeCommand);
      return { StatusCode: 202, $metadata: { requestId: "req-1" } };
    });
    expect(await invokeExtract(lambda, "totes-etl-prod-ExtractFunction-x")).toEqual({
      functionName: "totes-etl-prod-ExtractFunction-x",
      statusCode: 202,
      requestId: "req-1",
    });
    expect(sent[0]!.input).toMatchObject({
      FunctionName: "totes-etl-prod-ExtractFunction-x",
      InvocationType: "Event",
    });
  });
});
