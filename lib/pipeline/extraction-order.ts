/**
 * The order of two reads of one row version (same id, same `last_updated`): the time of the
 * extraction run whose CSV the row came from, i.e. its ingestion key's stamp. Extraction runs
 * are sequential (each commits its high marks conditionally on the ones it read), so a later
 * stamp holds the later truth: an edit that left `last_updated` alone (a correction) wins over
 * the earlier read, and the earlier CSV delivered late never wins back.
 */
export const EXTRACTED_AT = "_extracted_at";

/** What a row recorded before extraction order was kept counts as: older than any run. */
export const EPOCH_EXTRACTION = "1970-01-01 00:00:00";

/** `20261127T045210123Z` → `2026-11-27 04:52:10.123`, the UTC instant as a naive timestamp. */
export function extractedAt(stamp: string): string {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/.exec(stamp);
  if (!match) throw new Error(`not a run stamp: ${stamp}`);
  const [, y, mo, d, h, mi, s, ms] = match;
  return `${y}-${mo}-${d} ${h}:${mi}:${s}.${ms}`;
}
