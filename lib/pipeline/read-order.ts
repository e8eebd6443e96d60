import { PipelineError } from "../errors.js";
import { stampTime } from "./keys.js";

/**
 * The order of two reads of one source row is the order of the source snapshots that read
 * them, never the `last_updated` a writer stamped: a later commit may carry an earlier stamp
 * (clock skew, a hand fix) and it is still the truth (SPEC, first trap).
 *
 * A snapshot's place in commit order is `pg_current_snapshot()`'s `xmax` (the next
 * transaction id, 64-bit, only ever growing) and, between snapshots with the same `xmax`,
 * how many transactions were still in progress: a later snapshot with the same `xmax` can
 * only have seen more of them end, never fewer. Both go into one BIGINT, the *read order*:
 *
 *     xmax × 2^16 + (2^16 − 1 − in-progress count)
 *
 * A later snapshot of the same source never has a smaller read order, and a greater one
 * sees every commit the smaller one saw: so the row a greater read order carries is the
 * newer truth, whichever pipeline, run or backfill read it.
 *
 * Reads made before read orders existed (CSVs, processed objects, warehouse bookkeeping and
 * join states written by earlier versions) are ordered among themselves by their extraction
 * time and below every snapshot read: `LEGACY_BASE` + milliseconds since 1970, negative.
 */

/** The column every ingestion CSV row ends with, and every source row carries through the transform. */
export const READ_ORDER = "_read_order";

const IN_PROGRESS_SLOTS = 2n ** 16n;
/** 2^47 transactions: about 4,000 years at a million per second; then BIGINT would overflow. */
const MAX_XMAX = 2n ** 47n;
/** Below every snapshot's read order and above BIGINT's minimum by far more than any time. */
export const LEGACY_BASE = -(2n ** 62n);

/** A snapshot or stamp no read order can be made from. */
export class ReadOrderError extends PipelineError {}

/** The read order of a snapshot from its `xmax` (xid8) and its count of in-progress transactions. */
export function snapshotReadOrder(xmax: bigint, inProgress: number): bigint {
  if (xmax < 0n || xmax >= MAX_XMAX)
    throw new ReadOrderError(`snapshot xmax ${xmax} is outside what a read order can hold (0 to 2^47)`);
  const running = BigInt(Math.min(Math.max(inProgress, 0), Number(IN_PROGRESS_SLOTS) - 1));
  return xmax * IN_PROGRESS_SLOTS + (IN_PROGRESS_SLOTS - 1n - running);
}

/** The read order of an extraction that carried none: from its run stamp (`20261127T045210123Z`). */
export function legacyReadOrder(stamp: string): bigint {
  const at = stampTime(stamp);
  if (!at) throw new ReadOrderError(`not a run stamp: ${stamp}`);
  return LEGACY_BASE + BigInt(at.getTime());
}

/**
 * SQL for the legacy read order of a stored extraction time (a naive UTC timestamp), for the
 * upgrade of bookkeeping written before read orders; the same value `legacyReadOrder` gives.
 * Postgres and DuckDB both take it.
 */
export const legacyReadOrderSql = (timestamp: string): string =>
  `(CAST(${LEGACY_BASE} AS BIGINT) + CAST(floor(extract(epoch FROM ${timestamp}) * 1000) AS BIGINT))`;
