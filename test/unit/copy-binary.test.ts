import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BinaryRows, binaryCopyHeader, binaryCopyTrailer, numericDigits } from "../../lib/db/copy-binary.js";
import type { Pool } from "../../lib/db/pool.js";
import { freshPool } from "../helpers/databases.js";

describe("numericDigits", () => {
  it.each([
    [0n, 2, { sign: 0, weight: 0, digits: [] }],
    [1n, 2, { sign: 0, weight: -1, digits: [100] }], // 0.01
    [-50n, 2, { sign: 0x4000, weight: -1, digits: [5000] }], // -0.50
    [9_999_999_999n, 2, { sign: 0, weight: 1, digits: [9999, 9999, 9900] }], // 99999999.99
    [100_000_000n, 2, { sign: 0, weight: 1, digits: [100] }], // 1000000.00
    [12_345n, 0, { sign: 0, weight: 1, digits: [1, 2345] }],
  ])("%s at scale %s", (raw, scale, expected) => {
    expect(numericDigits(raw, scale)).toEqual(expected);
  });
});

describe("BinaryRows.take", () => {
  it("gives each chunk its own bytes: writing the next leaves a chunk taken before as it was", () => {
    // Prepare
    const out = new BinaryRows(8);
    out.row(1);
    out.int4(1);
    const first = out.take();
    const firstBytes = Buffer.from(first);

    // Act: a second chunk, longer than the first, then a third, empty.
    out.row(2);
    out.int4(2);
    out.int8(3n);
    const second = out.take();
    const third = out.take();

    // Assess
    expect(first).toEqual(firstBytes);
    expect(first.length).toBe(2 + 4 + 4);
    expect(second.length).toBe(2 + 4 + 4 + 4 + 8);
    expect(second.readInt16BE(0)).toBe(2);
    expect(third.length).toBe(0);
  });
});

/*
 * Every encoding the load writes, through a real Postgres: what the server reads back as text
 * must be exactly the value meant (a wrong byte in binary COPY is a wrong value, not an error).
 */
describe("binary COPY rows", () => {
  let pool: Pool;
  beforeAll(async () => {
    pool = await freshPool("copy_binary");
    await pool.query(`CREATE TABLE t (
      i2 smallint, i4 integer, i8 bigint, n numeric(10,2), n6 numeric(20,6), d date, tm time(3),
      ts timestamp, b boolean, tx text, vc varchar(5))`);
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
  });

  type Row = readonly ((out: BinaryRows) => void)[];
  async function roundTrip(rows: readonly Row[]): Promise<Record<string, string | null>[]> {
    await pool.query("TRUNCATE t");
    const out = new BinaryRows(16); // small, so the buffer grows while writing
    for (const row of rows) {
      out.row(row.length);
      for (const field of row) field(out);
    }
    const client = await pool.connect();
    try {
      await pipeline(
        Readable.from([binaryCopyHeader(), out.take(), binaryCopyTrailer()]),
        client.query(copyFrom("COPY t FROM STDIN WITH (FORMAT binary)")),
      );
    } finally {
      client.release();
    }
    const { rows: read } = await pool.query(
      `SELECT i2::text, i4::text, i8::text, n::text, n6::text, d::text, tm::text, ts::text, b::text, tx, vc
         FROM t ORDER BY i4`,
    );
    return read as Record<string, string | null>[];
  }

  it("writes integers, decimals, dates, times, timestamps, booleans and text exactly", async () => {
    const days = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
    const micros = (iso: string) => BigInt(Date.parse(`${iso}Z`)) * 1000n;
    const read = await roundTrip([
      [
        (o) => o.int2(-7),
        (o) => o.int4(1),
        (o) => o.int8(9_007_199_254_740_993n),
        (o) => o.numeric(-5n, 2),
        (o) => o.numeric(123_456_789_012n, 6),
        (o) => o.date(days("1969-12-31")),
        (o) => o.time(86_399_999_000n),
        (o) => o.timestamp(micros("1999-12-31T23:59:59.123")),
        (o) => o.bool(true),
        (o) => o.text('Dublin, "Ireland"\nline 2 — café'),
        (o) => o.bytes(new TextEncoder().encode("ab€")),
      ],
      [
        (o) => o.int2(0),
        (o) => o.int4(2),
        (o) => o.int8(-1n),
        (o) => o.numeric(9_999_999_999n, 2),
        (o) => o.numeric(0n, 6),
        (o) => o.date(days("2024-02-29")),
        (o) => o.time(0n),
        (o) => o.timestamp(micros("2026-12-05T09:56:22.5")),
        (o) => o.bool(false),
        (o) => o.text(""),
        (o) => o.null(),
      ],
      [
        (o) => o.int2(32_767),
        (o) => o.int4(3),
        (o) => o.int8(-9_223_372_036_854_775_808n),
        (o) => o.numeric(-10_000n, 2),
        // Beyond what a double holds exactly: the digits made from the integer's text.
        (o) => o.numeric(-12_345_678_901_234_567_890n, 6),
        (o) => o.date(days("9999-12-31")),
        (o) => o.time(1_000n),
        (o) => o.timestamp(micros("1970-01-01T00:00:00")),
        (o) => o.bool(true),
        (o) => o.text("x"),
        (o) => o.text("12345"),
      ],
    ]);
    expect(read).toEqual([
      {
        i2: "-7",
        i4: "1",
        i8: "9007199254740993",
        n: "-0.05",
        n6: "123456.789012",
        d: "1969-12-31",
        tm: "23:59:59.999",
        ts: "1999-12-31 23:59:59.123",
        b: "true",
        tx: 'Dublin, "Ireland"\nline 2 — café',
        vc: "ab€",
      },
      {
        i2: "0",
        i4: "2",
        i8: "-1",
        n: "99999999.99",
        n6: "0.000000",
        d: "2024-02-29",
        tm: "00:00:00",
        ts: "2026-12-05 09:56:22.5",
        b: "false",
        tx: "",
        vc: null,
      },
      {
        i2: "32767",
        i4: "3",
        i8: "-9223372036854775808",
        n: "-100.00",
        n6: "-12345678901234.567890",
        d: "9999-12-31",
        tm: "00:00:00.001",
        ts: "1970-01-01 00:00:00",
        b: "true",
        tx: "x",
        vc: "12345",
      },
    ]);
  }, 60_000);

  it("refuses an integer its column type cannot hold rather than writing other bytes", () => {
    const out = new BinaryRows();
    expect(() => out.int4(2 ** 31)).toThrow(RangeError);
    expect(() => out.int4(1.5)).toThrow(RangeError);
    expect(() => out.int2(32_768)).toThrow(RangeError);
    expect(() => out.int8(2n ** 63n)).toThrow(RangeError);
    expect(() => out.int8(-(2n ** 63n) - 1n)).toThrow(RangeError);
  });

  it("leaves the column's limits to the server: a decimal too large and text too long are refused", async () => {
    const nulls = (n: number): Row => Array.from({ length: n }, () => (o: BinaryRows) => o.null());
    const tooLarge: Row = [
      (o) => o.int2(0),
      (o) => o.int4(1),
      (o) => o.null(),
      (o) => o.numeric(10_000_000_000n, 2),
    ];
    await expect(roundTrip([[...tooLarge, ...nulls(7)]])).rejects.toThrow(/numeric field overflow/);
    await expect(roundTrip([[...nulls(10), (o: BinaryRows) => o.text("toolong")]])).rejects.toThrow(
      /too long for type character varying\(5\)/,
    );
  }, 60_000);
});
