/** The laptop stand-in for S3 + SQS and the Lambda event source mapping that drives the handlers. */
export { startLocalAws, LOCAL_CREDENTIALS, type LocalAws, type LocalAwsOptions } from "./aws/local-aws.js";
export { DataDirBusyError } from "./data-dir-lock.js";
export type { PersistenceSummary } from "./aws/persistence.js";
export {
  provisionPipeline,
  DEFAULT_PIPELINE_RESOURCES,
  INGESTION_NOTIFICATION_ID,
  PROCESSED_NOTIFICATION_ID,
  type PipelineResources,
  type ProvisionOptions,
  type ProvisionedPipeline,
  type QueueRef,
} from "./aws/provision.js";
export {
  SqsEventSource,
  EventSourceError,
  type SqsEventSourceOptions,
  type SqsBatchHandler,
  type BatchResult,
  type QueueDepth,
} from "./lambda/sqs-event-source.js";
export { toSqsEvent } from "./lambda/sqs-event.js";
export { drain, DrainTimeoutError, type DrainOptions, type DrainStats } from "./lambda/drain.js";
export { decodeEventKey, encodeEventKey, type S3TestEvent } from "./lambda/s3-event.js";
export type { QueueNotificationRule } from "./aws/notification-config.js";
