/** Operator tools: dead letters and quarantined rows (inspect, replay), status, extract on demand — on AWS or locally. */
export { OpsError, StageResolutionError } from "./errors.js";
export {
  DLQ_NAMES,
  dlqRoute,
  parseDlqName,
  type DlqName,
  type DlqRoute,
  type OpsTarget,
  type StageResources,
} from "./stage-resources.js";
export { resolveAwsStage, stageResourcesFromOutputs, SST_APP } from "../runtime/aws/stage-resources.js";
export { openAwsTarget, awsRegion } from "../runtime/aws/ops-target.js";
export { openLocalTarget, type OpenTarget } from "../runtime/local/ops-target.js";
export { openTarget, withTarget, type TargetOptions } from "./open-target.js";
export { queueDepth, scanQueue, type QueueDepth, type ScanOptions } from "./queue-scan.js";
export {
  describeDeadLetter,
  findDeadLetter,
  listDeadLetters,
  type DeadLetter,
  type FailureEntry,
} from "./dead-letters.js";
export {
  purgeDeadLetters,
  replayDeadLetters,
  type MovedMessage,
  type ReplayOptions,
  type ReplayReport,
} from "./replay.js";
export {
  listQuarantined,
  parseTableName,
  replayQuarantined,
  resolveQuarantined,
  showQuarantined,
  type QuarantineReplayReport,
} from "./quarantine.js";
export type { QuarantineEntry } from "../lib/pipeline/quarantine.js";
export { gatherStatus, type PipelineStatus, type SourceTableStatus, type WarehouseStatus } from "./status.js";
export { requestExtract, type ExtractRequestReceipt } from "../runtime/aws/extract-request.js";
export { formatDeadLetter, formatDeadLetters, formatReplay, formatStatus } from "../cli/format.js";
export { formatQuarantine, formatQuarantineReplay, formatQuarantineShow } from "../cli/format-quarantine.js";
export { gatherRuns, type RunHistoryEntry, type RunHistoryTable, type RunObject } from "./runs.js";
export { deleteMissingDimRows, dimsKeyedBy, type MissingRows } from "./delete-missing.js";
