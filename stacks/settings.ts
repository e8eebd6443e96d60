// Timings the stacks must agree on, in one place.
import { DEFAULT_PART_BOUND, type PartBound } from "../lib/extract/csv-parts";

/** Extract runs every 20 minutes; its timeout stays well inside that, so runs never overlap. */
export const EXTRACT_SCHEDULE = "rate(20 minutes)";
export const EXTRACT_TIMEOUT = "10 minutes";

/**
 * Verify compares the warehouse with the source once a day, at 05:00 UTC (before the working
 * day, when few writes are in flight); a scale-1 warehouse takes seconds, the timeout is slack.
 */
export const VERIFY_SCHEDULE = "cron(0 5 * * ? *)";
export const VERIFY_TIMEOUT = "10 minutes";

/**
 * The most one extraction CSV holds before a table's window is written in parts (the default
 * and why: lib/extract/csv-parts.ts); the extract function gets it as TOTES_PART_ROWS and
 * TOTES_PART_BYTES. Put other numbers here to deploy another bound.
 */
export const EXTRACT_PARTS: PartBound = DEFAULT_PART_BOUND;

// The queued stages' timeouts, visibility, receives and batching are in lib/pipeline/topology.ts.

/**
 * When the alarms (alerts.ts) fire. Periods the alarms use must be multiples of 5 minutes;
 * `alarmSettings` checks them when the app is built.
 */
export const ALARMS = {
  /** No successful extract run for this long (default 1 h: three missed schedules) → ExtractStalledAlarm. */
  extractStalledSeconds: 60 * 60,
  /** A message waiting this long in the transform or load queue → {Queue}AgeAlarm. */
  queueAgeSeconds: 15 * 60,
  /** A dead letter this old (they are kept 14 days) → {Dlq}AgeAlarm. */
  dlqAgeSeconds: 7 * 24 * 60 * 60,
  /** An object reaching the warehouse this long after its source snapshot → LoadFreshnessAlarm. */
  freshnessSeconds: 60 * 60,
  /**
   * The window VerifyMismatchesAlarm reads: one day, the schedule's interval, so the alarm stays
   * in ALARM until the next verify finds the warehouse equal (or does not run).
   */
  verifyWindowSeconds: 24 * 60 * 60,
} as const;

/** The alarm settings, checked: a stall period CloudWatch cannot evaluate fails the build, not the deploy. */
export function alarmSettings(settings: typeof ALARMS = ALARMS) {
  const { extractStalledSeconds } = settings;
  if (extractStalledSeconds % 300 !== 0 || extractStalledSeconds < 300 || extractStalledSeconds > 24 * 3600)
    throw new Error(
      `ALARMS.extractStalledSeconds ${extractStalledSeconds}: a multiple of 300 s, at most a day`,
    );
  for (const [name, value] of Object.entries(settings))
    if (!Number.isInteger(value) || value <= 0)
      throw new Error(`ALARMS.${name} ${value}: whole seconds, above 0`);
  return settings;
}
