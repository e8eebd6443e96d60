import { extract, load, transform } from "./functions";
import { loadDlq, transformDlq } from "./queues";
import { alertEmail } from "./secrets";

export const alerts = new sst.aws.SnsTopic("Alerts");

// AWS emails a confirmation link; nothing is delivered until it is clicked (docs/deploy.md).
export const alertEmailSubscription = new aws.sns.TopicSubscription("AlertEmailSubscription", {
  topic: alerts.arn,
  protocol: "email",
  endpoint: alertEmail.value,
});

/** Both alarms fire on the first non-zero 5-minute sum or maximum, and tell the topic. */
const overZero = {
  period: 300,
  evaluationPeriods: 1,
  threshold: 0,
  comparisonOperator: "GreaterThanThreshold",
  treatMissingData: "notBreaching",
  alarmActions: [alerts.arn],
  okActions: [alerts.arn],
};

/** Any error in a 5-minute window raises the alarm. */
function errorAlarm(name: string, fn: sst.aws.Function) {
  return new aws.cloudwatch.MetricAlarm(`${name}ErrorsAlarm`, {
    alarmDescription: $interpolate`${name} (${$app.stage}) reported errors`,
    namespace: "AWS/Lambda",
    metricName: "Errors",
    dimensions: { FunctionName: fn.name },
    statistic: "Sum",
    ...overZero,
  });
}

/** A dead letter is a message the pipeline gave up on: one is enough to tell someone. */
function deadLetterAlarm(name: string, dlq: sst.aws.Queue) {
  return new aws.cloudwatch.MetricAlarm(`${name}MessagesAlarm`, {
    alarmDescription: $interpolate`${name} (${$app.stage}) holds messages that failed 3 times`,
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: dlq.nodes.queue.name },
    statistic: "Maximum",
    ...overZero,
  });
}

export const alarms = [
  errorAlarm("Extract", extract),
  errorAlarm("Transform", transform),
  errorAlarm("Load", load),
  deadLetterAlarm("TransformDlq", transformDlq),
  deadLetterAlarm("LoadDlq", loadDlq),
];
