import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { windowedSource } from "../../lib/load/byte-source.js";
import { openParquet, type CopyValue, type ParquetRows } from "../../lib/load/parquet-rows.js";
import { quoteLiteral } from "../../lib/db/identifiers.js";
import { DuckSession } from "../../lib/transform/duckdb-session.js";

let dir: string;
let duck: DuckSession;
let files = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "totes-unit-parquet-"));
  duck = await DuckSession.open();
});

afterAll(async () => {
  await duck.close();
  await rm(dir, { recursive: true, force: true });
});

/** The bytes of a Parquet file DuckDB writes from this query, as the transform writes them. */
async function parquetOf(select: string, rowGroupRows = 122_880): Promise<Uint8Array> {
  const file = path.join(dir, `${++files}.parquet`);
  await duck.run(
    `COPY (${select}) TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${rowGroupRows})`,
  );
  return new Uint8Array(await readFile(file));
}

async function allRows(parquet: ParquetRows): Promise<CopyValue[][]> {
  const rows: CopyValue[][] = [];
  for await (const chunk of parquet.chunks()) rows.push(...chunk);
  return rows;
}

/** One column's values, in order, from a query over VALUES. */
async function columnText(type: string, literals: readonly string[]): Promise<CopyValue[]> {
  const values = literals.map((v, i) => `(${i}, ${v === "NULL" ? "NULL" : `CAST(${v} AS ${type})`})`);
  const parquet = await openParquet(
    await parquetOf(`SELECT v FROM (VALUES ${values.join(", ")}) t(i, v) ORDER BY i`),
  );
  return (await allRows(parquet)).map(([v]) => v!);
}

describe("openParquet", () => {
  it("names the columns in file order and counts the rows", async () => {
    // Prepare
    const bytes = await parquetOf("SELECT 1 AS staff_id, 'Jeremie' AS first_name, NULL::VARCHAR AS location");

    // Act
    const parquet = await openParquet(bytes);

    // Assess
    expect(parquet.columns).toEqual(["staff_id", "first_name", "location"]);
    expect(parquet.rowCount).toBe(1);
    expect(await allRows(parquet)).toEqual([["1", "Jeremie", null]]);
  });

  it("gives DECIMAL(10,2) as its exact text, negative and sub-unit values included", async () => {
    // Prepare
    const money = ["0", "0.01", "-0.01", "-0.05", "1.5", "-1.5", "3.14", "12345678.90", "99999999.99"];

    // Act
    const text = await columnText("DECIMAL(10,2)", [...money.map((m) => `'${m}'`), "'-99999999.99'", "NULL"]);

    // Assess
    expect(text).toEqual([
      "0.00",
      "0.01",
      "-0.01",
      "-0.05",
      "1.50",
      "-1.50",
      "3.14",
      "12345678.90",
      "99999999.99",
      "-99999999.99",
      null,
    ]);
  });

  it("gives a DECIMAL stored in 32 bits (precision under 10) the same way", async () => {
    expect(await columnText("DECIMAL(4,2)", ["'-0.07'", "'99.99'", "'0'"])).toEqual([
      "-0.07",
      "99.99",
      "0.00",
    ]);
  });

  it("gives DATE as yyyy-mm-dd, before 1970 and the leap day included", async () => {
    expect(
      await columnText("DATE", ["'2024-11-15'", "'2024-02-29'", "'1970-01-01'", "'1969-12-31'", "NULL"]),
    ).toEqual(["2024-11-15", "2024-02-29", "1970-01-01", "1969-12-31", null]);
  });

  it("gives TIME as HH:MM:SS.ffffff to the microsecond", async () => {
    expect(
      await columnText("TIME", [
        "'00:00:00'",
        "'14:20:49.962'",
        "'09:05:03.000001'",
        "'23:59:59.999999'",
        "NULL",
      ]),
    ).toEqual(["00:00:00.000000", "14:20:49.962000", "09:05:03.000001", "23:59:59.999999", null]);
  });

  it("gives TIMESTAMP as yyyy-mm-dd HH:MM:SS.ffffff to the microsecond", async () => {
    expect(
      await columnText("TIMESTAMP", [
        "'2024-11-15 14:20:49.962'",
        "'2022-11-03 14:20:52.186'",
        "'2000-01-01 00:00:00'",
        "'2024-02-29 23:59:59.999999'",
        "NULL",
      ]),
    ).toEqual([
      "2024-11-15 14:20:49.962000",
      "2022-11-03 14:20:52.186000",
      "2000-01-01 00:00:00.000000",
      "2024-02-29 23:59:59.999999",
      null,
    ]);
  });

  // Found while writing these tests: the microseconds are divided into milliseconds with
  // truncation toward zero, so an instant before 1970 less than a millisecond past a whole
  // second is printed a second late (…23:59:59.999999 becomes 1970-01-01 00:00:00.999999).
  it("gives a TIMESTAMP before 1970 its own second", async () => {
    expect(
      await columnText("TIMESTAMP", [
        "'1969-12-31 23:59:59.999999'",
        "'1969-12-31 23:59:58.9995'",
        "'1969-07-20 20:17:40'",
      ]),
    ).toEqual(["1969-12-31 23:59:59.999999", "1969-12-31 23:59:58.999500", "1969-07-20 20:17:40.000000"]);
  });

  it("gives BOOLEAN as COPY's t and f", async () => {
    expect(await columnText("BOOLEAN", ["true", "false", "NULL"])).toEqual(["t", "f", null]);
  });

  it("keeps the empty string apart from NULL, and text as it is", async () => {
    expect(await columnText("VARCHAR", ["''", "NULL", "'a,b \"c\"\nd'", "'ünï©ødé'"])).toEqual([
      "",
      null,
      'a,b "c"\nd',
      "ünï©ødé",
    ]);
  });

  it("yields one chunk per row group, in order, with every row once", async () => {
    // Prepare: DuckDB closes a row group at a multiple of its 2048-row vectors.
    const bytes = await parquetOf(
      "SELECT i::INTEGER AS id, CAST(i / 100 AS DECIMAL(10,2)) AS amount FROM range(5000) r(i) ORDER BY i",
      2048,
    );

    // Act
    const parquet = await openParquet(bytes);
    const chunks: CopyValue[][][] = [];
    for await (const chunk of parquet.chunks()) chunks.push(chunk);

    // Assess
    expect(chunks.length).toBeGreaterThan(1);
    expect(parquet.rowCount).toBe(5000);
    const rows = chunks.flat();
    expect(rows.map(([id]) => id)).toEqual(Array.from({ length: 5000 }, (_, i) => String(i)));
    expect(rows[4999]).toEqual(["4999", "49.99"]);
  });

  it("reads a file that is a view into a larger buffer, as SDK bodies can be", async () => {
    // Prepare
    const bytes = await parquetOf("SELECT 7 AS id, CAST('-0.05' AS DECIMAL(10,2)) AS amount");
    const larger = new Uint8Array(bytes.length + 64).fill(0xff);
    larger.set(bytes, 32);

    // Act
    const parquet = await openParquet(larger.subarray(32, 32 + bytes.length));

    // Assess
    expect(await allRows(parquet)).toEqual([["7", "-0.05"]]);
  });

  it("reads by range through a window, fetching a window at a time and holding no more", async () => {
    // Prepare: several row groups; a window far smaller than the file.
    const bytes = await parquetOf(
      "SELECT i::INTEGER AS id, CAST(i / 100 AS DECIMAL(10,2)) AS amount, md5(i::VARCHAR) AS name FROM range(20000) r(i) ORDER BY i",
      2048,
    );
    const fetched: [number, number][] = [];
    const window = 64 * 1024;
    const source = windowedSource(
      bytes.length,
      (start, end) => {
        fetched.push([start, end]);
        return Promise.resolve(bytes.subarray(start, end));
      },
      window,
    );

    // Act
    const ranged = await allRows(await openParquet(source));

    // Assess: the same rows as from the whole bytes, in several fetches, none bigger than a
    // window unless one request was.
    expect(ranged).toEqual(await allRows(await openParquet(bytes)));
    expect(fetched.length).toBeGreaterThan(1);
    expect(
      fetched.every(([start, end]) => end <= bytes.length && (end - start <= window || start + window < end)),
    ).toBe(true);
    await expect(source.slice(0, bytes.length + 1)).rejects.toThrow(RangeError);
  });

  it("knows an integer column's one value from the footer, in every row group, as the rows decode it", async () => {
    // Prepare: 10,000 rows in row groups of 2,048; columns with one value, two, a NULL, none (dates).
    const bytes = await parquetOf(
      `SELECT 52035583::BIGINT AS read_order, 7::INTEGER AS small, i::BIGINT AS varying,
              CASE WHEN i = 9999 THEN NULL ELSE 1 END::BIGINT AS with_null, DATE '2024-01-01' AS day,
              CASE WHEN i < 4096 THEN 1 ELSE 2 END::BIGINT AS two_groups_two_values
         FROM range(10000) t(i)`,
      2048,
    );

    // Act
    const parquet = await openParquet(bytes);
    const constants = parquet.columns.map((c) => parquet.constant(c));
    const decoded: unknown[] = [];
    for await (const group of parquet.rawGroups(["read_order"])) decoded.push(group.columns[0]![0]);

    // Assess
    expect(decoded.length).toBe(5);
    expect(constants).toEqual([52035583n, 7, undefined, undefined, undefined, undefined]);
    expect(decoded[0]).toBe(52035583n);
    expect((await openParquet(await parquetOf("SELECT 1::BIGINT AS v WHERE false"))).constant("v")).toBe(
      undefined,
    );
  });

  it("refuses bytes that are not Parquet", async () => {
    // Prepare
    const bytes = await parquetOf("SELECT 1 AS id");
    const truncated = bytes.subarray(0, bytes.length - 10);

    // Act / Assess
    await expect(openParquet(new TextEncoder().encode("id,amount\n1,2\n"))).rejects.toThrow();
    await expect(openParquet(truncated)).rejects.toThrow();
  });
});
