import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  parseXid8,
  xminBoundsStatement,
  xminCondition,
  xminTest,
  type XminTest,
} from "../lib/extract/cursor.js";
import type { Pool } from "../lib/db/pool.js";
import { freshPool } from "./helpers/databases.js";

const SETTINGS = { lo: "totes_test.lo", hi: "totes_test.hi" };

/** The ids a REPEATABLE READ scan with the test's condition reads, as extract runs it. */
async function idsRead(pool: Pool, test: XminTest, meanwhile?: () => Promise<void>): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    await client.query("SELECT 1");
    // Transactions that begin after the snapshot move the newest transaction id on: the
    // condition's reference point must not move the window with it.
    await meanwhile?.();
    const bounds = xminBoundsStatement(test, SETTINGS);
    await client.query(bounds.text, bounds.values);
    const { rows } = await client.query<{ id: number }>(
      `SELECT id FROM written WHERE ${xminCondition(test, SETTINGS)} ORDER BY id`,
    );
    await client.query("COMMIT");
    return rows.map((r) => r.id);
  } finally {
    client.release();
  }
}

describe("the xmin condition extract scans with, on a real Postgres", () => {
  let pool: Pool;
  /** Each committed transaction's id (xid8) and the row it wrote, in commit order. */
  const written: { id: number; xid: bigint }[] = [];

  beforeAll(async () => {
    pool = await freshPool("xmin_cond");
    await pool.query("CREATE TABLE written (id int PRIMARY KEY)");
    for (let id = 1; id <= 8; id++) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const { rows } = await client.query<{ xid: string }>(
          "INSERT INTO written VALUES ($1) RETURNING pg_current_xact_id()::text AS xid",
          [id],
        );
        await client.query("COMMIT");
        written.push({ id, xid: parseXid8(rows[0]!.xid) });
      } finally {
        client.release();
      }
      // Transactions in between that write nothing here: the windows have gaps, as a busy source's do.
      await pool.query("SELECT pg_current_xact_id()");
    }
    // Frozen rows keep their xmin (only a flag says frozen): they must be read by window as before.
    await pool.query("VACUUM (FREEZE) written");
  });
  afterAll(async () => {
    await pool.end();
  });

  it("reads exactly the rows committed in [since, until), for every window over the rows' transactions", async () => {
    const { rows } = await pool.query<{ next: string }>("SELECT pg_current_xact_id()::text AS next");
    const bounds = [written[0]!.xid - 1n, ...written.map((w) => w.xid), parseXid8(rows[0]!.next)];
    for (const since of bounds)
      for (const until of bounds.filter((b) => b >= since)) {
        const test = xminTest({ since, until });
        expect(test.kind, `${since}..${until}`).toBe("between");
        const expected = written.filter((w) => w.xid >= since && w.xid < until).map((w) => w.id);
        expect(await idsRead(pool, test), `window ${since}..${until}`).toEqual(expected);
      }
  });

  it("the window does not move when transactions begin after the snapshot", async () => {
    const since = written[2]!.xid;
    const until = written[5]!.xid;
    const others = async () => {
      for (let i = 0; i < 5; i++) await pool.query("SELECT pg_current_xact_id()");
    };
    expect(await idsRead(pool, xminTest({ since, until }), others)).toEqual([3, 4, 5]);
  });

  it("a function named age in the source's schema, first in the pinned search_path, changes nothing", async () => {
    await pool.query("CREATE FUNCTION public.age(xid) RETURNS integer LANGUAGE sql AS 'SELECT 0'");
    try {
      const since = written[1]!.xid;
      const until = written[4]!.xid;
      expect(await idsRead(pool, xminTest({ since, until }))).toEqual([2, 3, 4]);
    } finally {
      await pool.query("DROP FUNCTION public.age(xid)");
    }
  });

  it("tests a window within one epoch by age, integer arithmetic, not by xmin's text", () => {
    const sql = xminCondition({ kind: "between", lo: 100, hi: 200 }, SETTINGS);
    expect(sql).toContain("pg_catalog.age(xmin)");
    expect(sql).not.toContain("xmin::text");
    // Wider than the span age() is exact for: the text comparison, as before.
    expect(xminCondition({ kind: "between", lo: 5, hi: 2 ** 31 }, SETTINGS)).toContain("xmin::text::bigint");
  });
});
