import {
  STAGE,
  dimDropStale,
  dimDropStaleByRange,
  dimDropUnchanged,
  dimMerge,
  dimVersionMerge,
  factCorrect,
  factDropStale,
  factDropStaleByRange,
  factInsert,
  factVersionMerge,
  insertMissing,
} from "./apply-sql.js";
import { quoteIdent } from "../db/identifiers.js";
import type { ApplyOps } from "./plan/apply-ops.js";
import { rendered } from "./plan/statement.js";

/**
 * Postgres's SQL for each apply operation: apply-sql.ts, one statement each, the table's name
 * as `$1` where the bookkeeping needs it. Rows written are the correction, the insert, the
 * upsert and the calendar's insert; the ledger takes them from the row counts afterwards.
 */
export const postgresApplyOps: ApplyOps = {
  analyzeStage: () => [rendered(`ANALYZE ${quoteIdent(STAGE)}`)],
  factDropStale: (t, s) => [
    rendered(factDropStale(t, s), [t.name]),
    rendered(factDropStaleByRange(t, s), [t.name]),
  ],
  factCorrect: (t, s) => [rendered(factCorrect(t, s), undefined, true)],
  factInsert: (t, s) => [rendered(factInsert(t, s), undefined, true)],
  factRecordReads: (t, s) => [rendered(factVersionMerge(t, s), [t.name])],
  dimDropStale: (t, s) => [
    rendered(dimDropStale(t, s), [t.name]),
    rendered(dimDropStaleByRange(t, s), [t.name]),
  ],
  dimRecordReads: (t, s) => [rendered(dimVersionMerge(t, s), [t.name])],
  dimDropUnchanged: (t, s) => [rendered(dimDropUnchanged(t, s))],
  dimUpsert: (t, s) => [rendered(dimMerge(t, s), undefined, true)],
  countWrites: () => [],
  insertMissing: (t, s) => [rendered(insertMissing(t, s), undefined, true)],
};
