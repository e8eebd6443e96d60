/** The laptop stand-in for S3 + SQS and the Lambda event source mapping that drives the handlers. */
export { startLocalAws, LOCAL_CREDENTIALS, type LocalAws, type LocalAwsOptions } from "./local-aws.js";
export { DataDirBusyError } from "./data-dir-lock.js";
export type { PersistenceSummary } from "./persistence.js";
export {
  provisionPipeline,
  DEFAULT_PIPELINE_RESOURCES,
  INGESTION_NOTIFICATION_ID,
  PROCESSED_NOTIFICATION_ID,
  type PipelineResources,
  type ProvisionOptions,
  type ProvisionedPipeline,
  type QueueRef,
} from "./provision.js";
export {
  SqsEventSource,
  EventSourceError,
  type SqsEventSourceOptions,
  type SqsBatchHandler,
  type BatchResult,
  type QueueDepth,
} from "./sqs-event-source.js";
export { toSqsEvent } from "./sqs-event.js";
export { drain, DrainTimeoutError, type DrainOptions, type DrainStats } from "./drain.js";
export { decodeEventKey, encodeEventKey, type S3TestEvent } from "./s3-event.js";
export type { QueueNotificationRule } from "./notification-config.js";
