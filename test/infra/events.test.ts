import { beforeAll, describe, expect, it } from "vitest";
import {
  EXTRACT_EVENT_SOURCE,
  extractRequestEntry,
  parseExtractRequest,
} from "../../lib/pipeline/extract-events.js";
import { lambda, T } from "./helpers/graph.js";
import { named, ofType, runApp, type AppRun } from "./helpers/run-app.js";

// Extract and backfill requests: a rule on the default bus, this stage's only, → extract.
const STAGE = "staging";
let run: AppRun;
beforeAll(async () => {
  run = await runApp(STAGE);
}, 120_000);

describe("the extract-request rule", () => {
  it("runs without errors inside Pulumi applies", () => {
    expect(run.errors).toEqual([]);
  });

  it("matches totes-etl's extract and backfill requests for this stage, on the default bus", () => {
    // Prepare
    const rule = named(run, T.eventRule, "ExtractRequests");

    // Act
    const pattern = JSON.parse(rule.inputs.eventPattern as string) as unknown;

    // Assess
    expect(pattern).toEqual({
      source: [EXTRACT_EVENT_SOURCE],
      "detail-type": ["Extract requested", "Backfill requested"],
      detail: { stage: [STAGE] },
    });
    expect(rule.inputs.eventBusName ?? "default").toBe("default");
    expect(rule.inputs.scheduleExpression).toBeUndefined();
  });

  it("matches exactly what `totes extract-now` and `totes backfill --stage` send", () => {
    const pattern = JSON.parse(named(run, T.eventRule, "ExtractRequests").inputs.eventPattern as string) as {
      source: string[];
      "detail-type": string[];
      detail: { stage: string[] };
    };
    for (const entry of [extractRequestEntry(STAGE), extractRequestEntry(STAGE, ["staff"])]) {
      expect(pattern.source).toContain(entry.Source);
      expect(pattern["detail-type"]).toContain(entry.DetailType);
      expect(pattern.detail.stage).toContain((JSON.parse(entry.Detail) as { stage: string }).stage);
    }
    // Another stage's request does not match this stage's rule.
    expect(pattern.detail.stage).not.toContain("production");
  });

  it("targets the extract function, passing the event as it is", () => {
    const [target, ...others] = ofType(run, T.eventTarget);
    expect(others).toEqual([]);
    expect(target!.inputs.rule).toBe(named(run, T.eventRule, "ExtractRequests").state.name);
    expect(target!.inputs.arn).toBe(lambda(run, "Extract").state.arn);
    // No input transformation: the handler reads source, detail-type and detail itself.
    expect(target!.inputs.input).toBeUndefined();
    expect(target!.inputs.inputTransformer).toBeUndefined();
    expect(
      parseExtractRequest({
        source: "totes-etl",
        "detail-type": "Backfill requested",
        detail: { stage: STAGE, tables: ["staff"] },
      }),
    ).toEqual({ trigger: "backfill", fullTables: ["staff"] });
  });

  it("lets EventBridge invoke the extract function from this rule only", () => {
    const permissions = ofType(run, T.permission).filter(
      (p) => p.inputs.principal === "events.amazonaws.com",
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0]!.inputs).toMatchObject({
      action: "lambda:InvokeFunction",
      function: lambda(run, "Extract").state.name,
      principal: "events.amazonaws.com",
      sourceArn: named(run, T.eventRule, "ExtractRequests").state.arn,
    });
  });

  it("leaves the schedule as it was: every 20 minutes, straight to the function", () => {
    // Two schedules exist (extract's and verify's), recorded in no fixed order: pick by name.
    const schedules = ofType(run, T.schedule).filter((r) => r.name.startsWith("ExtractSchedule"));
    expect(schedules).toHaveLength(1);
    const [schedule] = schedules;
    expect(schedule!.inputs.target).toMatchObject({ arn: lambda(run, "Extract").state.arn, input: "{}" });
    expect(parseExtractRequest(JSON.parse("{}"))).toEqual({ trigger: "schedule", fullTables: [] });
  });
});

describe("the extract function's part bound", () => {
  it("is set from stacks/settings.ts as TOTES_PART_ROWS and TOTES_PART_BYTES", () => {
    expect(lambda(run, "Extract").inputs.environment).toMatchObject({
      variables: {
        TOTES_STAGE: STAGE,
        TOTES_PART_ROWS: "250000",
        TOTES_PART_BYTES: String(64 * 1024 * 1024),
      },
    });
  });
});
