// Timings the stacks must agree on, in one place.

/** Extract runs every 20 minutes; its timeout stays well inside that, so runs never overlap. */
export const EXTRACT_SCHEDULE = "rate(20 minutes)";
export const EXTRACT_TIMEOUT = "10 minutes";

export const TRANSFORM_TIMEOUT = "5 minutes";
export const LOAD_TIMEOUT = "5 minutes";

/**
 * Must exceed the consuming function's timeout, or a message reappears while it is still being
 * worked on. AWS advises six times the function timeout for SQS event sources.
 */
export const QUEUE_VISIBILITY_TIMEOUT = "30 minutes";

/** A message moves to its queue's dead-letter queue after this many failed receives. */
export const MAX_RECEIVES = 3;

/** Dead letters are kept for the longest SQS allows, 14 days, to give time to redrive. */
export const DLQ_RETENTION_SECONDS = 14 * 24 * 60 * 60;
