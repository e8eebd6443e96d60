// Timings the stacks must agree on, in one place.

/** Extract runs every 20 minutes; its timeout stays well inside that, so runs never overlap. */
export const EXTRACT_SCHEDULE = "rate(20 minutes)";
export const EXTRACT_TIMEOUT = "10 minutes";

// The queued stages' timeouts, visibility, receives and batching are in lib/pipeline/topology.ts.
