/**
 * Change capture by what the database committed. A run reads, in one REPEATABLE READ
 * snapshot, every row version whose inserting transaction (`xmin`) may not have been visible
 * to the previous run's snapshot; that snapshot's `xmin` (every transaction below it had
 * ended) is the cursor. A writer that committed late, an edit that left `last_updated` alone
 * and a stamp in the future are all caught: none of them depends on what a row claims.
 *
 * `xmin` is a 32-bit transaction id that wraps; the cursor is a 64-bit `xid8` (epoch and
 * xid). The test on `xmin` is written in 32-bit terms from the two 64-bit bounds. It errs only
 * towards reading a row again (harmless downstream: facts and dims are idempotent), never
 * towards missing one: rows of transactions still running at the previous snapshot (their
 * subtransactions too) are at or above its `xmin`, so they are read again once committed.
 */

const EPOCH = 2n ** 32n;

/** The 64-bit bounds of one table's read: `since` (inclusive; undefined = everything) to `until` (exclusive). */
export interface XidWindow {
  readonly since?: bigint;
  readonly until: bigint;
}

/** A condition on the 32-bit `xmin` of a row, as SQL-free data so it can be tested alone. */
export type XminTest =
  | { readonly kind: "all" }
  /** lo <= xmin < hi */
  | { readonly kind: "between"; readonly lo: number; readonly hi: number }
  /** xmin >= lo OR xmin < hi: the window spans a wraparound of the 32-bit counter. */
  | { readonly kind: "wrapped"; readonly lo: number; readonly hi: number };

export function xminTest(window: XidWindow): XminTest {
  const { since, until } = window;
  if (since === undefined || since >= until) return since === undefined ? { kind: "all" } : emptyTest();
  const lo = Number(since % EPOCH);
  const hi = Number(until % EPOCH);
  const epochs = until / EPOCH - since / EPOCH;
  if (epochs === 0n) return { kind: "between", lo, hi };
  if (epochs === 1n) return { kind: "wrapped", lo, hi };
  // More than a whole epoch since the last run: every 32-bit value is possible.
  return { kind: "all" };
}

/** Nothing can be newer than the cursor when the cursor is at or past the snapshot. */
const emptyTest = (): XminTest => ({ kind: "between", lo: 0, hi: 0 });

/**
 * Windows narrower than this are tested with `age(xmin)`. `age()` measures back from the newest
 * transaction id as the reading transaction first saw it (after its snapshot, so above every
 * `xmin` it can see), and the window's bounds are measured from the same point in the same
 * transaction: `lo <= xmin < hi` becomes `age(hi) < age(xmin) <= age(lo)`, exact while
 * `age(lo)` stays below 2^31. Half that, 2^30, leaves the other half for transactions begun
 * between the snapshot and the scan. Wider windows (a run a billion transactions after the
 * last) keep the text comparison.
 */
const AGE_TESTED_SPAN = 2 ** 30;

/**
 * The WHERE clause for a test. The bounds travel as session settings (COPY takes no
 * parameters), each read once in a scalar subquery rather than per row. `age(xmin)` is
 * integer arithmetic; `xmin::text::bigint` prints and parses every row's xmin, which was
 * most of an incremental scan's time (~20 ms per 100,000 rows, measured).
 */
export function xminCondition(test: XminTest, settings: { lo: string; hi: string }): string {
  const x = "xmin::text::bigint";
  const lo = `(SELECT current_setting('${settings.lo}')::bigint)`;
  const hi = `(SELECT current_setting('${settings.hi}')::bigint)`;
  switch (test.kind) {
    case "all":
      return "true";
    case "between":
      if (test.hi - test.lo < AGE_TESTED_SPAN) {
        // Qualified: the pinned search_path puts the source's schema before pg_catalog, where
        // a function of the same name and argument would otherwise be the one called.
        const age = (setting: string) =>
          `(SELECT pg_catalog.age(pg_catalog.current_setting('${setting}')::pg_catalog.xid))`;
        return `pg_catalog.age(xmin) <= ${age(settings.lo)} AND pg_catalog.age(xmin) > ${age(settings.hi)}`;
      }
      return `${x} >= ${lo} AND ${x} < ${hi}`;
    case "wrapped":
      return `(${x} >= ${lo} OR ${x} < ${hi})`;
  }
}

/**
 * The statement that sets a test's bounds, for this transaction only, in the settings its
 * condition reads (`xminCondition`); run before the scan.
 */
export function xminBoundsStatement(
  test: XminTest,
  settings: { lo: string; hi: string },
): { text: string; values: string[] } {
  const bounds = test.kind === "all" ? { lo: 0, hi: 0 } : test;
  return {
    text: "SELECT set_config($1, $2, true), set_config($3, $4, true)",
    values: [settings.lo, String(bounds.lo), settings.hi, String(bounds.hi)],
  };
}

/** Parses an xid8 as Postgres prints it. */
export function parseXid8(text: string): bigint {
  if (!/^\d+$/.test(text)) throw new RangeError(`not an xid8: "${text}"`);
  return BigInt(text);
}
