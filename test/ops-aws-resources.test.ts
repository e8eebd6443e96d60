import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
  type GetResourcesCommandOutput,
} from "@aws-sdk/client-resource-groups-tagging-api";
import { describe, expect, it, vi } from "vitest";
import { requestExtract, resolveAwsStage, stageResourcesFromOutputs } from "../ops/index.js";
import { parseExtractRequest } from "../lib/pipeline/extract-events.js";

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

describe("requestExtract", () => {
  /** A real client whose `send` answers `answer`; records the commands it was sent. */
  function eventsClient(answer: object) {
    const events = new EventBridgeClient({ region: REGION });
    const sent: PutEventsCommand[] = [];
    vi.spyOn(events, "send").mockImplementation(async (command: unknown) => {
      sent.push(command as PutEventsCommand);
      return { $metadata: {}, ...answer };
    });
    return { events, sent };
  }

  it("puts one stage-scoped event on the default bus, which the extract handler reads back", async () => {
    // Prepare
    const { events, sent } = eventsClient({ FailedEntryCount: 0, Entries: [{ EventId: "ev-1" }] });

    // Act
    const now = await requestExtract(events, "prod");
    const backfill = await requestExtract(events, "prod", ["staff", "payment"]);

    // Assess
    expect(now).toEqual({ stage: "prod", detailType: "Extract requested", eventId: "ev-1" });
    expect(backfill).toMatchObject({ detailType: "Backfill requested", tables: ["staff", "payment"] });
    const entries = sent.map((c) => c.input.Entries![0]!);
    expect(entries[0]).toEqual({
      Source: "totes-etl",
      DetailType: "Extract requested",
      Detail: JSON.stringify({ stage: "prod" }),
    });
    expect(entries[0]!.EventBusName).toBeUndefined(); // the default bus
    // What the rule delivers to the function: source, detail-type and the parsed detail.
    const delivered = entries.map((e) => ({
      source: e.Source,
      "detail-type": e.DetailType,
      detail: JSON.parse(e.Detail!) as unknown,
    }));
    expect(delivered.map(parseExtractRequest)).toEqual([
      { trigger: "extract-now", fullTables: [] },
      { trigger: "backfill", fullTables: ["staff", "payment"] },
    ]);
  });

  it("reports an entry EventBridge refused", async () => {
    const { events } = eventsClient({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: "AccessDeniedException", ErrorMessage: "not authorized" }],
    });

    await expect(requestExtract(events, "prod")).rejects.toThrow(
      "requesting Extract requested for stage prod: EventBridge refused the event: AccessDeniedException (not authorized)",
    );
  });
});
