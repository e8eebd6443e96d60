import { beforeAll, describe, expect, it } from "vitest";
import { lambda, T } from "./helpers/graph.js";
import { REGION } from "./helpers/pulumi-mocks.js";
import { named, ofType, runApp, SECRETS, type AppRun } from "./helpers/run-app.js";

// The alarms (stacks/alerts.ts) and the dashboard (stacks/dashboard.ts): each alarm's metric,
// statistic, threshold, window and actions, and the dashboard's widgets. Expected values are
// written out here, not read from the stacks, so pointing an alarm at another metric or
// dropping one fails the test named after it.
const STAGE = "production";
let run: AppRun;
beforeAll(async () => {
  run = await runApp(STAGE);
}, 120_000);

const SERVICE = { service: "totes-etl" };
const queueName = (component: string) => named(run, T.queue, `${component}Queue`).state.name as string;
const functionName = (fn: string) => lambda(run, fn).state.name as string;
const topicArn = () => named(run, T.topic, "AlertsTopic").state.arn as string;
const logGroupOf = (fn: string) => named(run, T.logGroup, `${fn}LogGroup`).inputs.name as string;

interface Expected {
  namespace: string;
  metricName: string;
  dimensions: () => Record<string, string>;
  statistic: string;
  comparisonOperator: string;
  threshold: number;
  period: number;
  evaluationPeriods?: number;
  treatMissingData?: string;
  /** Commands the description must hold (the runbook line), stage and names filled in. */
  runs: () => string[];
}

const sqsAge = (queue: string, threshold: number, runs: () => string[]): Expected => ({
  namespace: "AWS/SQS",
  metricName: "ApproximateAgeOfOldestMessage",
  dimensions: () => ({ QueueName: queueName(queue) }),
  statistic: "Maximum",
  comparisonOperator: "GreaterThanThreshold",
  threshold,
  period: 300,
  runs,
});
const lambdaErrors = (fn: string, runs: () => string[]): Expected => ({
  namespace: "AWS/Lambda",
  metricName: "Errors",
  dimensions: () => ({ FunctionName: functionName(fn) }),
  statistic: "Sum",
  comparisonOperator: "GreaterThanThreshold",
  threshold: 0,
  period: 300,
  runs,
});
const tail = (fn: string) => `aws logs tail ${logGroupOf(fn)} --since`;

const ALARMS: Record<string, Expected> = {
  // Failed messages: the handlers' EMF counts, per minute, so an e-mail goes out within ~2 minutes.
  TransformFailuresAlarm: {
    namespace: "totes-etl",
    metricName: "transformFailures",
    dimensions: () => SERVICE,
    statistic: "Sum",
    comparisonOperator: "GreaterThanThreshold",
    threshold: 0,
    period: 60,
    runs: () => [tail("Transform"), `npx totes dlq list --queue transform --stage ${STAGE}`],
  },
  LoadFailuresAlarm: {
    namespace: "totes-etl",
    metricName: "loadFailures",
    dimensions: () => SERVICE,
    statistic: "Sum",
    comparisonOperator: "GreaterThanThreshold",
    threshold: 0,
    period: 60,
    runs: () => [tail("Load"), `npx totes dlq list --queue load --stage ${STAGE}`],
  },
  QuarantinedRowsAlarm: {
    namespace: "totes-etl",
    metricName: "quarantinedRows",
    dimensions: () => ({ ...SERVICE, stage: "transform" }),
    statistic: "Sum",
    comparisonOperator: "GreaterThanThreshold",
    threshold: 0,
    period: 300,
    runs: () => [`npx totes quarantine list --stage ${STAGE}`],
  },
  ExtractErrorsAlarm: lambdaErrors("Extract", () => [
    tail("Extract"),
    `npx totes extract-now --stage ${STAGE}`,
  ]),
  TransformErrorsAlarm: lambdaErrors("Transform", () => [tail("Transform")]),
  LoadErrorsAlarm: lambdaErrors("Load", () => [tail("Load")]),
  // No successful extract for an hour: twelve 5-minute periods in a row without a run.
  ExtractStalledAlarm: {
    namespace: "totes-etl",
    metricName: "extractRuns",
    dimensions: () => SERVICE,
    statistic: "Sum",
    comparisonOperator: "LessThanThreshold",
    threshold: 1,
    period: 300,
    evaluationPeriods: 12,
    treatMissingData: "breaching",
    runs: () => [
      `npx totes status --stage ${STAGE}`,
      tail("Extract"),
      `npx totes extract-now --stage ${STAGE}`,
    ],
  },
  TransformQueueAgeAlarm: sqsAge("TransformQueue", 900, () => [
    `npx totes status --stage ${STAGE}`,
    tail("Transform"),
  ]),
  LoadQueueAgeAlarm: sqsAge("LoadQueue", 900, () => [`npx totes status --stage ${STAGE}`, tail("Load")]),
  TransformDlqAgeAlarm: sqsAge("TransformDlq", 7 * 86400, () => [
    `npx totes dlq list --queue transform --stage ${STAGE}`,
  ]),
  LoadDlqAgeAlarm: sqsAge("LoadDlq", 7 * 86400, () => [`npx totes dlq list --queue load --stage ${STAGE}`]),
  TransformDlqMessagesAlarm: {
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: () => ({ QueueName: queueName("TransformDlq") }),
    statistic: "Maximum",
    comparisonOperator: "GreaterThanThreshold",
    threshold: 0,
    period: 300,
    runs: () => [
      `npx totes dlq list --queue transform --stage ${STAGE}`,
      `npx totes dlq replay --queue transform --stage ${STAGE}`,
    ],
  },
  LoadDlqMessagesAlarm: {
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: () => ({ QueueName: queueName("LoadDlq") }),
    statistic: "Maximum",
    comparisonOperator: "GreaterThanThreshold",
    threshold: 0,
    period: 300,
    runs: () => [
      `npx totes dlq list --queue load --stage ${STAGE}`,
      `npx totes dlq replay --queue load --stage ${STAGE}`,
    ],
  },
  // Verify: the daily comparison found a difference; the window is the schedule's day.
  VerifyMismatchesAlarm: {
    namespace: "totes-etl",
    metricName: "verifyMismatches",
    dimensions: () => SERVICE,
    statistic: "Maximum",
    comparisonOperator: "GreaterThanThreshold",
    threshold: 0,
    period: 86400,
    runs: () => [`npx totes verify --stage ${STAGE}`],
  },
  VerifyErrorsAlarm: lambdaErrors("Verify", () => [tail("Verify")]),
  // Freshness: an object loaded more than an hour after its source snapshot.
  LoadFreshnessAlarm: {
    namespace: "totes-etl",
    metricName: "sourceLagSeconds",
    dimensions: () => ({ ...SERVICE, stage: "load" }),
    statistic: "Maximum",
    comparisonOperator: "GreaterThanThreshold",
    threshold: 3600,
    period: 300,
    runs: () => [`npx totes status --stage ${STAGE}`],
  },
};

const alarm = (name: string) => named(run, T.alarm, name).inputs;

describe("alarms", () => {
  it("run without errors inside Pulumi applies", () => {
    expect(run.errors).toEqual([]);
  });

  it("are exactly these, and no other", () => {
    expect(
      ofType(run, T.alarm)
        .map((a) => a.name)
        .sort(),
    ).toEqual(Object.keys(ALARMS).sort());
  });

  it.each(Object.entries(ALARMS))("%s watches its metric with its threshold", (name, want) => {
    // Prepare
    const got = alarm(name);
    // Assess: the metric, exactly (extra or missing dimensions match no data at all)…
    expect({
      namespace: got.namespace,
      metricName: got.metricName,
      dimensions: got.dimensions,
      statistic: got.statistic,
    }).toEqual({
      namespace: want.namespace,
      metricName: want.metricName,
      dimensions: want.dimensions(),
      statistic: want.statistic,
    });
    // …and when it breaches.
    expect(got).toMatchObject({
      comparisonOperator: want.comparisonOperator,
      threshold: want.threshold,
      period: want.period,
      evaluationPeriods: want.evaluationPeriods ?? 1,
      datapointsToAlarm: want.evaluationPeriods ?? 1,
      treatMissingData: want.treatMissingData ?? "notBreaching",
    });
  });

  it.each(Object.keys(ALARMS))("%s e-mails the Alerts topic when it fires and when it clears", (name) => {
    const got = alarm(name);
    expect(got.alarmActions).toEqual([topicArn()]);
    expect(got.okActions).toEqual([topicArn()]);
  });

  it.each(Object.entries(ALARMS))("%s says what to run", (name, want) => {
    const description = alarm(name).alarmDescription as string;
    expect(description).toMatch(/^[A-Z]/);
    expect(description).toContain(`(${STAGE})`);
    for (const command of want.runs()) expect(description).toContain(command);
    expect(description.length).toBeLessThanOrEqual(1024);
    expect(alarm(name).name).toBe(`totes-etl-${STAGE}-${name.replace(/Alarm$/, "")}`);
  });

  it("the Alerts topic e-mails the AlertEmail address", () => {
    const subscription = named(run, T.subscription, "AlertEmailSubscription").inputs;
    expect(subscription).toMatchObject({
      protocol: "email",
      endpoint: SECRETS.AlertEmail,
      topic: topicArn(),
    });
  });
});

interface Widget {
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  properties: {
    title?: string;
    region?: string;
    alarms?: string[];
    metrics?: unknown[][];
    annotations?: { horizontal: { value: number }[] };
  };
}

describe("the dashboard", () => {
  const widgets = () => {
    const board = named(run, T.dashboard, "Dashboard").inputs;
    return (JSON.parse(board.dashboardBody as string) as { widgets: Widget[] }).widgets;
  };
  const titled = (title: string) => {
    const found = widgets().filter((w) => w.properties.title === title);
    if (found.length !== 1) throw new Error(`expected one widget titled "${title}", found ${found.length}`);
    return found[0]!;
  };
  /** The metric lines of a widget, without their options, as "namespace metric dim=value …". */
  const lines = (w: Widget) =>
    (w.properties.metrics ?? []).map((m) => {
      const parts = m.filter((p) => typeof p === "string");
      if (parts.length === 0) return (m[0] as { expression: string }).expression;
      const dims = [];
      for (let i = 2; i < parts.length; i += 2) dims.push(`${parts[i]}=${parts[i + 1]}`);
      return [parts[0], parts[1], ...dims].join(" ");
    });

  it("is named after the app and stage", () => {
    expect(named(run, T.dashboard, "Dashboard").inputs.dashboardName).toBe(`totes-etl-${STAGE}`);
  });

  it("shows every alarm's state", () => {
    const [board] = widgets().filter((w) => w.type === "alarm");
    const arns = ofType(run, T.alarm).map((a) => a.state.arn as string);
    expect(board!.properties.alarms!.sort()).toEqual(arns.sort());
  });

  it.each(["transform", "load"])("shows %s rows in and out", (stage) => {
    expect(lines(titled(`${stage}: rows in / out`))).toEqual(
      expect.arrayContaining([
        `totes-etl rowsIn service=totes-etl stage=${stage}`,
        `totes-etl rowsOut service=totes-etl stage=${stage}`,
      ]),
    );
  });

  it("shows extract's rows out, runs and errors", () => {
    expect(lines(titled("extract: rows in / out"))).toEqual([
      `totes-etl rowsOut service=totes-etl stage=extract`,
    ]);
    expect(lines(titled("extract: runs and errors"))).toEqual([
      "totes-etl extractRuns service=totes-etl",
      `AWS/Lambda Errors FunctionName=${functionName("Extract")}`,
    ]);
  });

  it.each([
    ["transform", "Transform"],
    ["load", "Load"],
  ])("shows %s failures: failed messages beside messages and invocation errors", (stage, fn) => {
    expect(lines(titled(`${stage}: failures`))).toEqual([
      `totes-etl ${stage}Messages service=totes-etl`,
      `totes-etl ${stage}Failures service=totes-etl`,
      `AWS/Lambda Errors FunctionName=${functionName(fn)}`,
    ]);
  });

  it.each([
    ["extract", "Extract"],
    ["transform", "Transform"],
    ["load", "Load"],
  ])("shows %s durations, per object and per invocation", (stage, fn) => {
    expect(new Set(lines(titled(`${stage}: durations (s per object; invocation ms)`)))).toEqual(
      new Set([
        `totes-etl seconds service=totes-etl stage=${stage}`,
        `AWS/Lambda Duration FunctionName=${functionName(fn)}`,
      ]),
    );
  });

  it.each([
    ["queue depth (visible)", "ApproximateNumberOfMessagesVisible"],
    ["in flight (received, not deleted)", "ApproximateNumberOfMessagesNotVisible"],
    ["oldest message age (s)", "ApproximateAgeOfOldestMessage"],
  ])("shows %s of both queues and both DLQs", (title, metric) => {
    expect(lines(titled(title)).sort()).toEqual(
      ["TransformQueue", "TransformDlq", "LoadQueue", "LoadDlq"]
        .map((q) => `AWS/SQS ${metric} QueueName=${queueName(q)}`)
        .sort(),
    );
  });

  it("shows freshness per table, with the alarm's threshold", () => {
    const freshness = titled("freshness: seconds from source snapshot to warehouse, per table");
    expect(lines(freshness)).toEqual([
      `SEARCH('{totes-etl,service,stage,table} MetricName="sourceLagSeconds" stage="load"', 'Maximum', 300)`,
    ]);
    expect(freshness.properties.annotations?.horizontal).toEqual([expect.objectContaining({ value: 3600 })]);
  });

  it("draws every graph in the stage's region, on a 24-column grid without overlaps", () => {
    const all = widgets();
    for (const w of all.filter((w) => w.type === "metric")) expect(w.properties.region).toBe(REGION);
    const cells = new Set<string>();
    for (const w of all) {
      expect(w.x + w.width).toBeLessThanOrEqual(24);
      for (let x = w.x; x < w.x + w.width; x++)
        for (let y = w.y; y < w.y + w.height; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
    }
  });
});
