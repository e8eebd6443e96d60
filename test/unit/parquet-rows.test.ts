import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parquetMetadata, parquetRead } from "hyparquet";
import { parquetHeader } from "hyparquet/src/column.js";
import { parquetWriteBuffer } from "hyparquet-writer";
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

  it("gives a DECIMAL stored as bytes (precision over 18) the same way", async () => {
    expect(
      await columnText("DECIMAL(38,4)", ["'-0.0001'", "'12345678901234567890.1234'", "'0'", "NULL"]),
    ).toEqual(["-0.0001", "12345678901234567890.1234", "0.0000", null]);
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

/** Each column chunk's page types, in file order, from the page headers themselves. */
function pageTypes(bytes: ArrayBuffer, parquet: { chunks: { start: number; end: number }[] }): string[][] {
  return parquet.chunks.map(({ start, end }) => {
    const reader = { view: new DataView(bytes, start, end - start), offset: 0 };
    const types: string[] = [];
    while (reader.offset < end - start) {
      const header = parquetHeader(reader);
      types.push(header.type);
      reader.offset += header.compressed_page_size;
    }
    return types;
  });
}

/** Every row of the raw groups, as plain arrays (typed arrays unwrapped). */
async function rawRows(parquet: ParquetRows): Promise<unknown[][]> {
  const rows: unknown[][] = [];
  for await (const group of parquet.rawGroups())
    for (let r = 0; r < group.rows; r++) rows.push(group.columns.map((column) => column[r] ?? null));
  return rows;
}

describe("openParquet's flat column reader", () => {
  it("reads many pages per chunk (DATA_PAGE_V2), dictionaries and NULLs as hyparquet's own reader does", async () => {
    // Prepare: another writer (hyparquet-writer: version 2 pages, small pages, three row groups).
    const n = 20_000;
    const buffer = parquetWriteBuffer({
      columnData: [
        {
          name: "id",
          type: "INT64",
          data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 1_000_003n),
        },
        {
          name: "code",
          type: "INT32",
          data: Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : i % 5)),
        },
        {
          name: "name",
          type: "STRING",
          data: Array.from({ length: n }, (_, i) => (i % 13 === 0 ? null : `n${i % 97}`)),
        },
        {
          name: "at",
          type: "TIMESTAMP",
          data: Array.from({ length: n }, (_, i) => new Date(Date.UTC(2024, 0, 1) + i * 1000)),
        },
        {
          name: "paid",
          type: "BOOLEAN",
          data: Array.from({ length: n }, (_, i) => (i % 17 === 0 ? null : i % 2 === 0)),
        },
      ],
      rowGroupSize: 7_000,
      pageSize: 2_048,
    });
    const raw = {
      stringFromBytes: (b: Uint8Array | undefined) => b,
      timestampFromMilliseconds: (ms: bigint) => ms * 1000n,
    };
    const expected = await new Promise<unknown[][]>((resolve, reject) => {
      parquetRead({
        file: buffer,
        parsers: raw,
        rowFormat: "array",
        onComplete: (r) => resolve(r as unknown[][]),
      }).catch(reject);
    });
    const parquet = await openParquet(new Uint8Array(buffer));

    // Act
    const rows = await rawRows(parquet);

    // Assess: the same values, row for row; and the chunks did have many pages, of version 2.
    expect(rows.length).toBe(n);
    expect(rows).toEqual(expected.map((row) => row.map((v) => v ?? null)));
    const metadata = parquetMetadata(buffer);
    const chunks = metadata.row_groups.flatMap((g) =>
      g.columns.map(({ meta_data: m }) => {
        const start = Number(m!.dictionary_page_offset || m!.data_page_offset);
        return { start, end: start + Number(m!.total_compressed_size) };
      }),
    );
    const types = pageTypes(buffer, { chunks });
    expect(metadata.row_groups.length).toBe(3);
    expect(Math.max(...types.map((t) => t.filter((x) => x === "DATA_PAGE_V2").length))).toBeGreaterThan(3);
    expect(types.flat()).toContain("DICTIONARY_PAGE");
    expect(rows[1]).toEqual([1_000_003n, 1, new TextEncoder().encode("n1"), 1_704_067_201_000_000n, false]);
    expect(rows[0]![1]).toBe(null);
  });

  it("reads REQUIRED columns in uncompressed pages as hyparquet's own reader does", async () => {
    // Prepare: no compression (values are views of the bytes read), no definition levels.
    const n = 9_000;
    const buffer = parquetWriteBuffer({
      codec: "UNCOMPRESSED",
      columnData: [
        {
          name: "id",
          type: "INT64",
          nullable: false,
          data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)),
        },
        {
          name: "code",
          type: "INT32",
          nullable: false,
          data: Int32Array.from({ length: n }, (_, i) => i % 3),
        },
        {
          name: "name",
          type: "STRING",
          nullable: false,
          data: Array.from({ length: n }, (_, i) => `r${i % 50}`),
        },
      ],
      rowGroupSize: 4_000,
      pageSize: 1_024,
    });
    const expected = await new Promise<unknown[][]>((resolve, reject) => {
      parquetRead({
        file: buffer,
        parsers: { stringFromBytes: (b: Uint8Array | undefined) => b },
        rowFormat: "array",
        onComplete: (r) => resolve(r as unknown[][]),
      }).catch(reject);
    });

    // Act
    const parquet = await openParquet(new Uint8Array(buffer));
    const rows = await rawRows(parquet);

    // Assess
    expect(parquet.elements.map((e) => e.repetition_type)).toEqual(["REQUIRED", "REQUIRED", "REQUIRED"]);
    expect(rows).toEqual(expected);
    expect(rows[8_999]).toEqual([8_999n, 2, new TextEncoder().encode("r49")]);
  });

  it("keeps a column with no NULL as one typed array, dictionary pages included, and NULLs as null", async () => {
    // Prepare: DuckDB's pages (version 1): plain and dictionary-encoded BIGINT, INTEGER, a NULL.
    const bytes = await parquetOf(
      `SELECT i::BIGINT AS id, (i % 5)::BIGINT AS five, i::INTEGER AS small,
              CASE WHEN i % 7 = 0 THEN NULL ELSE i END::BIGINT AS sparse
         FROM range(10000) t(i) ORDER BY i`,
    );

    // Act
    const parquet = await openParquet(bytes);
    const groups = [];
    for await (const group of parquet.rawGroups()) groups.push(group);

    // Assess
    expect(groups.length).toBe(1);
    const [id, five, small, sparse] = groups[0]!.columns;
    expect(id).toBeInstanceOf(BigInt64Array);
    expect(five).toBeInstanceOf(BigInt64Array);
    expect(small).toBeInstanceOf(Int32Array);
    expect([id![9999], five![9999], small![9999]]).toEqual([9999n, 4n, 9999]);
    expect(Array.from({ length: 10 }, (_, i) => five![i])).toEqual([0n, 1n, 2n, 3n, 4n, 0n, 1n, 2n, 3n, 4n]);
    expect([sparse![0], sparse![1], sparse![7], sparse![9998]]).toEqual([null, 1n, null, 9998n]);
  });

  it("refuses a nested column by name, and an unknown column asked for", async () => {
    await expect(openParquet(await parquetOf("SELECT 1 AS id, [1, 2] AS parts"))).rejects.toThrow(
      /nested columns \(parts\)/,
    );
    const parquet = await openParquet(await parquetOf("SELECT 1 AS id"));
    await expect(parquet.rawGroups(["id", "nope"]).next()).rejects.toThrow(/no column nope/);
  });
});
