import { alarms } from "./alerts";
import { extract, load, transform } from "./functions";
import { loadDlq, loadQueue, transformDlq, transformQueue } from "./queues";
import { METRICS, type QueuedStage } from "../lib/pipeline/topology";
import { ALARMS } from "./settings";

// One CloudWatch dashboard for the pipeline: alarm states; per stage rows in and out,
// failures and durations; queue and DLQ depths and message age; freshness per table.

const region = aws.getRegionOutput().region;
const PERIOD = 300;
const NS = METRICS.namespace;
const SERVICE = ["service", METRICS.service] as const;

type MetricLine = readonly unknown[];

interface Graph {
  readonly title: string;
  readonly metrics: readonly MetricLine[];
  readonly stat?: string;
  readonly threshold?: { readonly label: string; readonly value: number };
}

const graph = (g: Graph) => ({
  type: "metric",
  properties: {
    title: g.title,
    region,
    view: "timeSeries",
    stacked: false,
    period: PERIOD,
    stat: g.stat ?? "Sum",
    metrics: g.metrics,
    ...(g.threshold ? { annotations: { horizontal: [g.threshold] } } : {}),
  },
});

/** Every (stage, table) series of a metric, one line per table. */
const perTable = (stage: string, metric: string, stat: string) => [
  {
    expression: `SEARCH('{${NS},service,stage,table} MetricName="${metric}" stage="${stage}"', '${stat}', ${PERIOD})`,
    id: `${metric.toLowerCase()}_${stage}`,
    label: "",
  },
];

const lambdaMetric = (name: string, fn: sst.aws.Function, stat: string, label: string, yAxis?: "right") => [
  "AWS/Lambda",
  name,
  "FunctionName",
  fn.name,
  { stat, label, ...(yAxis ? { yAxis } : {}) },
];

const fns = { extract, transform, load } as const;

/** Rows in and out, failures, durations of one stage. */
function stageRow(stage: "extract" | QueuedStage) {
  const fn = fns[stage];
  const stageDims = [...SERVICE, "stage", stage];
  const failures =
    stage === "extract"
      ? [
          [NS, METRICS.extractRuns, ...SERVICE, { label: "successful runs" }],
          lambdaMetric("Errors", fn, "Sum", "errors"),
        ]
      : [
          [NS, METRICS.messages[stage], ...SERVICE, { label: "messages" }],
          [NS, METRICS.failures[stage], ...SERVICE, { label: "failed messages" }],
          lambdaMetric("Errors", fn, "Sum", "invocation errors"),
        ];
  return [
    graph({
      title: `${stage}: rows in / out`,
      metrics: [
        ...(stage === "extract" ? [] : [[NS, METRICS.rowsIn, ...stageDims, { label: "rows in" }]]),
        [NS, METRICS.rowsOut, ...stageDims, { label: "rows out" }],
        ...(stage === "transform"
          ? [[NS, METRICS.quarantinedRows, ...stageDims, { label: "rows quarantined" }]]
          : []),
      ],
    }),
    graph({
      title: stage === "extract" ? "extract: runs and errors" : `${stage}: failures`,
      metrics: failures,
    }),
    graph({
      title: `${stage}: durations (s per object; invocation ms)`,
      stat: "Average",
      metrics: [
        [NS, METRICS.seconds, ...stageDims, { stat: "p90", label: "s per object (p90)" }],
        [NS, METRICS.seconds, ...stageDims, { stat: "Maximum", label: "s per object (max)" }],
        lambdaMetric("Duration", fn, "Average", "invocation ms (avg)", "right"),
        lambdaMetric("Duration", fn, "Maximum", "invocation ms (max)", "right"),
      ],
    }),
  ];
}

const queues = [
  ["TransformQueue", transformQueue],
  ["TransformDlq", transformDlq],
  ["LoadQueue", loadQueue],
  ["LoadDlq", loadDlq],
] as const;

const sqsLines = (metric: string, stat: string) =>
  queues.map(([label, q]) => ["AWS/SQS", metric, "QueueName", q.nodes.queue.name, { stat, label }]);

const rows = [
  [
    {
      type: "alarm",
      height: 4,
      properties: {
        title: "alarms (each e-mails the Alerts topic)",
        alarms: Object.values(alarms).map((a) => a.arn),
      },
    },
  ],
  stageRow("extract"),
  stageRow("transform"),
  stageRow("load"),
  [
    graph({
      title: "queue depth (visible)",
      stat: "Maximum",
      metrics: sqsLines("ApproximateNumberOfMessagesVisible", "Maximum"),
    }),
    graph({
      title: "in flight (received, not deleted)",
      stat: "Maximum",
      metrics: sqsLines("ApproximateNumberOfMessagesNotVisible", "Maximum"),
    }),
    graph({
      title: "oldest message age (s)",
      stat: "Maximum",
      metrics: sqsLines("ApproximateAgeOfOldestMessage", "Maximum"),
      threshold: { label: "queue age alarm", value: ALARMS.queueAgeSeconds },
    }),
  ],
  [
    graph({
      title: "freshness: seconds from source snapshot to warehouse, per table",
      stat: "Maximum",
      metrics: [perTable("load", METRICS.sourceLagSeconds, "Maximum")],
      threshold: { label: "freshness alarm", value: ALARMS.freshnessSeconds },
    }),
    graph({ title: "rows loaded per table", metrics: [perTable("load", METRICS.rowsOut, "Sum")] }),
  ],
];

/** Widgets laid out in rows: a row's widgets share its 24 columns. */
let top = 0;
const widgets = rows.flatMap((row) => {
  const width = 24 / row.length;
  const laid = row.map((w, i) => ({ height: 6, ...w, width, x: i * width, y: top }));
  top += Math.max(...laid.map((w) => w.height));
  return laid;
});

export const dashboard = new aws.cloudwatch.Dashboard("Dashboard", {
  dashboardName: `${$app.name}-${$app.stage}`,
  dashboardBody: $jsonStringify({ widgets }),
});
