import { named, ofType, type AppRun } from "./run-app.js";

/** Lookups over a recorded run, by the logical names SST gives the underlying AWS resources. */

export const T = {
  queue: "aws:sqs/queue:Queue",
  notification: "aws:s3/bucketNotification:BucketNotification",
  bucket: "aws:s3/bucket:Bucket",
  versioning: "aws:s3/bucketVersioning:BucketVersioning",
  lambda: "aws:lambda/function:Function",
  mapping: "aws:lambda/eventSourceMapping:EventSourceMapping",
  schedule: "aws:scheduler/schedule:Schedule",
  role: "aws:iam/role:Role",
  topic: "aws:sns/topic:Topic",
  subscription: "aws:sns/topicSubscription:TopicSubscription",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  dashboard: "aws:cloudwatch/dashboard:Dashboard",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  eventRule: "aws:cloudwatch/eventRule:EventRule",
  eventTarget: "aws:cloudwatch/eventTarget:EventTarget",
  permission: "aws:lambda/permission:Permission",
} as const;

export interface PolicyStatement {
  Effect: string;
  Action: string[];
  Resource: string[];
}

/** `arn` of the SQS queue behind an `sst.aws.Queue`. */
export function queueArn(run: AppRun, component: string) {
  return named(run, T.queue, `${component}Queue`).state.arn as string;
}

/** `arn` of the S3 bucket behind an `sst.aws.Bucket`. */
export function bucketArn(run: AppRun, component: string) {
  return named(run, T.bucket, `${component}Bucket`).state.arn as string;
}

/** Inputs of the Lambda function behind an `sst.aws.Function`. */
export function lambda(run: AppRun, component: string) {
  return named(run, T.lambda, `${component}Function`);
}

/** The event source mapping that feeds a queue to a function. */
export function mappingFrom(run: AppRun, queue: string) {
  const arn = queueArn(run, queue);
  const found = ofType(run, T.mapping).filter((m) => m.inputs.eventSourceArn === arn);
  if (found.length !== 1)
    throw new Error(`expected one event source mapping on ${queue}, found ${found.length}`);
  return found[0]!;
}

/** The statements of a function role's inline policy (what `link` and `permissions` granted). */
export function roleStatements(run: AppRun, component: string): PolicyStatement[] {
  const policies = named(run, T.role, `${component}Role`).inputs.inlinePolicies as { policy?: string }[];
  return policies.flatMap(
    (p) => (JSON.parse(p.policy ?? "{}") as { Statement?: PolicyStatement[] }).Statement ?? [],
  );
}

/** Every resource ARN a function role may touch, with the actions allowed on it. */
export function grants(run: AppRun, component: string) {
  const byResource = new Map<string, string[]>();
  for (const s of roleStatements(run, component)) {
    for (const r of s.Resource) byResource.set(r, [...(byResource.get(r) ?? []), ...s.Action].sort());
  }
  return Object.fromEntries([...byResource].sort(([a], [b]) => a.localeCompare(b)));
}
