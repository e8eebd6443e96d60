import { extract, load, transform, verify } from "./functions";
import { loadDlq, loadQueue, transformDlq, transformQueue } from "./queues";
import { alertEmail } from "./secrets";
import { METRICS, TOPOLOGY, retryDelaySeconds, type QueuedStage } from "../lib/pipeline/topology";
import { alarmSettings } from "./settings";

// Every alarm e-mails the Alerts topic when it fires and when it clears. Each description is
// what the e-mail says: what happened and what to run (docs/operations.md, "Alarms", has each
// one at length). What fires how soon after what is in docs/deploy.md.

export const alerts = new sst.aws.SnsTopic("Alerts");

// AWS emails a confirmation link; nothing is delivered until it is clicked (docs/deploy.md).
export const alertEmailSubscription = new aws.sns.TopicSubscription("AlertEmailSubscription", {
  topic: alerts.arn,
  protocol: "email",
  endpoint: alertEmail.value,
});

const settings = alarmSettings();
const stage = $app.stage;
const SERVICE = { service: METRICS.service };

/** Sentences, each an Output or a string, as one description (`+` on Outputs would not resolve them). */
const say = (...parts: $util.Input<string>[]) =>
  $util.all(parts).apply((p) => p.map((t) => t.trim()).join(" "));

/** The log group a function writes to, for the runbook lines. */
const logGroup = (fn: sst.aws.Function) => fn.nodes.logGroup.apply((g) => g?.name ?? "");
const tailErrors = (fn: sst.aws.Function, since: string) =>
  $interpolate`aws logs tail ${logGroup(fn)} --since ${since} --filter-pattern '?ERROR ?"Task timed out" ?"Runtime exited"'`;

interface Metric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, $util.Input<string>>;
  readonly statistic: "Sum" | "Maximum";
}

interface Rule {
  readonly period: number;
  readonly threshold: number;
  readonly comparisonOperator: "GreaterThanThreshold" | "LessThanThreshold";
  /** Consecutive breaching periods before it fires (default 1). */
  readonly periods?: number;
  /** Missing data counts as breaching: for "nothing happened" alarms. */
  readonly silenceBreaches?: boolean;
}

function alarm(name: string, what: $util.Input<string>, metric: Metric, rule: Rule) {
  const periods = rule.periods ?? 1;
  return new aws.cloudwatch.MetricAlarm(`${name}Alarm`, {
    name: `${$app.name}-${stage}-${name}`,
    alarmDescription: $interpolate`${what}`,
    ...metric,
    period: rule.period,
    evaluationPeriods: periods,
    datapointsToAlarm: periods,
    threshold: rule.threshold,
    comparisonOperator: rule.comparisonOperator,
    treatMissingData: rule.silenceBreaches ? "breaching" : "notBreaching",
    alarmActions: [alerts.arn],
    okActions: [alerts.arn],
  });
}

const over = (threshold: number, period: number) =>
  ({ threshold, period, comparisonOperator: "GreaterThanThreshold" }) as const;

const fns: Record<QueuedStage, sst.aws.Function> = { transform, load };
const queues = { transform: transformQueue, load: loadQueue } as const;
const dlqs = { transform: transformDlq, load: loadDlq } as const;
const Title = (s: QueuedStage) => (s === "transform" ? "Transform" : "Load");
const queueName = (q: sst.aws.Queue) => q.nodes.queue.name;

/**
 * A message failed (reported in batchItemFailures, so Lambda's Errors never counts it): the
 * handler's EMF failure count, per minute, fires within about two minutes of the first one.
 */
function failedMessages(s: QueuedStage) {
  const stageTopology = TOPOLOGY[s];
  const retries = Array.from({ length: stageTopology.maxReceives - 1 }, (_, i) =>
    retryDelaySeconds(stageTopology, stageTopology.retry, i + 1),
  );
  return alarm(
    `${Title(s)}Failures`,
    say(
      $interpolate`${Title(s)} failed on a message (${stage}); it is retried after ${retries.join(" s and ")} s, then dead-lettered.`,
      $interpolate`Errors: ${tailErrors(fns[s], "30m")}.`,
      $interpolate`Once dead-lettered: npx totes dlq list --queue ${s} --stage ${stage}`,
    ),
    { namespace: METRICS.namespace, metricName: METRICS.failures[s], dimensions: SERVICE, statistic: "Sum" },
    over(0, 60),
  );
}

/** Lambda's own Errors: the invocation itself failed (timeout, crash, out of memory). */
function invocationErrors(name: string, fn: sst.aws.Function, what: $util.Input<string>) {
  return alarm(
    `${name}Errors`,
    what,
    {
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: fn.name },
      statistic: "Sum",
    },
    over(0, 300),
  );
}

/** A dead letter is a message the pipeline gave up on: one is enough to tell someone. */
function deadLetters(s: QueuedStage) {
  return alarm(
    `${TOPOLOGY[s].dlq.component}Messages`,
    say(
      $interpolate`${TOPOLOGY[s].dlq.component} (${stage}) holds messages that failed ${TOPOLOGY[s].maxReceives} times. `,
      $interpolate`Run: npx totes dlq list --queue ${s} --stage ${stage}; fix the cause; `,
      $interpolate`npx totes dlq replay --queue ${s} --stage ${stage}`,
    ),
    {
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: queueName(dlqs[s]) },
      statistic: "Maximum",
    },
    over(0, 300),
  );
}

/** Oldest message in a queue: a stage that stopped consuming, or a dead letter about to expire. */
function oldestMessage(component: string, queue: sst.aws.Queue, seconds: number, what: $util.Input<string>) {
  return alarm(
    `${component}Age`,
    what,
    {
      namespace: "AWS/SQS",
      metricName: "ApproximateAgeOfOldestMessage",
      dimensions: { QueueName: queueName(queue) },
      statistic: "Maximum",
    },
    over(seconds, 300),
  );
}

const queueAge = (s: QueuedStage) =>
  oldestMessage(
    TOPOLOGY[s].queue.component,
    queues[s],
    settings.queueAgeSeconds,
    say(
      $interpolate`A message has waited over ${settings.queueAgeSeconds / 60} min in ${TOPOLOGY[s].queue.component} (${stage}): `,
      $interpolate`${s} is not keeping up or not running. Run: npx totes status --stage ${stage}; ${tailErrors(fns[s], "1h")}`,
    ),
  );

const dlqAge = (s: QueuedStage) =>
  oldestMessage(
    TOPOLOGY[s].dlq.component,
    dlqs[s],
    settings.dlqAgeSeconds,
    say(
      $interpolate`A dead letter in ${TOPOLOGY[s].dlq.component} (${stage}) is over ${settings.dlqAgeSeconds / 86400} days old; `,
      $interpolate`SQS deletes it at 14. Run: npx totes dlq list --queue ${s} --stage ${stage}, then replay or purge it`,
    ),
  );

export const alarms = {
  transformFailures: failedMessages("transform"),
  loadFailures: failedMessages("load"),
  quarantinedRows: alarm(
    "QuarantinedRows",
    say(
      $interpolate`Transform set rows aside (${stage}): they are not in the warehouse. `,
      $interpolate`Run: npx totes quarantine list --stage ${stage}`,
    ),
    {
      namespace: METRICS.namespace,
      metricName: METRICS.quarantinedRows,
      dimensions: { ...SERVICE, stage: "transform" },
      statistic: "Sum",
    },
    over(0, 300),
  ),
  extractErrors: invocationErrors(
    "Extract",
    extract,
    say(
      $interpolate`Extract failed (${stage}); no high mark moved, the next scheduled run retries. `,
      $interpolate`Run: ${tailErrors(extract, "1h")}; after a fix: npx totes extract-now --stage ${stage}`,
    ),
  ),
  transformErrors: invocationErrors(
    "Transform",
    transform,
    say(
      $interpolate`A transform invocation failed whole (${stage}): timeout, crash or out of memory; its batch comes back after the ${TOPOLOGY.transform.visibilityTimeoutSeconds / 60}-min visibility timeout.`,
      $interpolate`Run: ${tailErrors(transform, "30m")}`,
    ),
  ),
  loadErrors: invocationErrors(
    "Load",
    load,
    say(
      $interpolate`A load invocation failed whole (${stage}): timeout, crash or out of memory; its batch comes back after the ${TOPOLOGY.load.visibilityTimeoutSeconds / 60}-min visibility timeout.`,
      $interpolate`Run: ${tailErrors(load, "30m")}`,
    ),
  ),
  extractStalled: alarm(
    "ExtractStalled",
    say(
      $interpolate`No successful extract in ${settings.extractStalledSeconds / 60} min (${stage}). `,
      $interpolate`Run: npx totes status --stage ${stage}; ${tailErrors(extract, "2h")}; npx totes extract-now --stage ${stage}`,
    ),
    { namespace: METRICS.namespace, metricName: METRICS.extractRuns, dimensions: SERVICE, statistic: "Sum" },
    // Every 5-minute period of the window without a run: sliding, not aligned to the hour.
    {
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      period: 300,
      periods: settings.extractStalledSeconds / 300,
      silenceBreaches: true,
    },
  ),
  transformQueueAge: queueAge("transform"),
  loadQueueAge: queueAge("load"),
  transformDlqMessages: deadLetters("transform"),
  loadDlqMessages: deadLetters("load"),
  transformDlqAge: dlqAge("transform"),
  loadDlqAge: dlqAge("load"),
  verifyMismatches: alarm(
    "VerifyMismatches",
    say(
      $interpolate`The daily verify found the warehouse different from the source (${stage}): rows missing, extra or differing, or a data test failing. `,
      $interpolate`Run: npx totes verify --stage ${stage} (tables and ids); rows changed in the minutes before it ran may just be in flight. `,
      $interpolate`Repair: docs/operations.md, "totes verify"`,
    ),
    {
      namespace: METRICS.namespace,
      metricName: METRICS.verifyMismatches,
      dimensions: SERVICE,
      statistic: "Maximum",
    },
    over(0, settings.verifyWindowSeconds),
  ),
  verifyErrors: invocationErrors(
    "Verify",
    verify,
    say(
      $interpolate`The daily verify failed to run (${stage}): a database unreachable, a timeout or a crash. `,
      $interpolate`Run: ${tailErrors(verify, "1d")}`,
    ),
  ),
  freshness: alarm(
    "LoadFreshness",
    say(
      $interpolate`An object reached the warehouse over ${settings.freshnessSeconds / 60} min after its source snapshot (${stage}). `,
      $interpolate`Run: npx totes status --stage ${stage}; per table: the dashboard ${$app.name}-${stage}`,
    ),
    {
      namespace: METRICS.namespace,
      metricName: METRICS.sourceLagSeconds,
      dimensions: { ...SERVICE, stage: "load" },
      statistic: "Maximum",
    },
    over(settings.freshnessSeconds, 300),
  ),
};
