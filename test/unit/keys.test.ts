import { describe, expect, it } from "vitest";
import { SOURCE_TABLES, TARGET_TABLES } from "../../lib/catalog/index.js";
import {
  ingestionKey,
  ingestionKeyOf,
  parseIngestionKey,
  parseProcessedKey,
  processedKey,
  runStamp,
} from "../../lib/pipeline/keys.js";

describe("runStamp", () => {
  it("is the UTC instant to the millisecond, with nothing an S3 event would escape", () => {
    // Act
    const stamp = runStamp(new Date("2026-11-27T04:52:10.123Z"));

    // Assess
    expect(stamp).toBe("20261127T045210123Z");
    expect(encodeURIComponent(stamp)).toBe(stamp);
  });

  it("sorts as text in the order of the instants", () => {
    // Prepare
    const instants = ["2026-11-27T04:52:10.123Z", "2026-11-27T04:52:10.124Z", "2026-12-01T00:00:00.000Z"];

    // Act
    const stamps = instants.map((iso) => runStamp(new Date(iso)));

    // Assess
    expect([...stamps].reverse().sort()).toEqual(stamps);
  });
});

describe("ingestionKey / parseIngestionKey", () => {
  const stamp = runStamp(new Date("2024-02-29T23:59:59.999Z"));

  it("files an extract under its table and the stamp's UTC day", () => {
    expect(ingestionKey("sales_order", stamp)).toBe("sales_order/2024/02/29/20240229T235959999Z.csv");
  });

  it.each(SOURCE_TABLES.map((t) => t.name))("round-trips a key of %s", (table) => {
    // Act
    const parsed = parseIngestionKey(ingestionKey(table, stamp));

    // Assess
    expect(parsed).toEqual({ table, stamp });
  });

  it("names the parts of a window with the run's stamp and a four-digit part number", () => {
    // Act
    const key = ingestionKey("payment", stamp, 2);

    // Assess
    expect(key).toBe("payment/2024/02/29/20240229T235959999Z-0002.csv");
    expect(parseIngestionKey(key)).toEqual({ table: "payment", stamp, part: 2 });
    expect(parseIngestionKey(ingestionKey("payment", stamp, 12345))).toEqual({
      table: "payment",
      stamp,
      part: 12345,
    });
  });

  it.each([
    ["an unknown table", `not_a_table/2024/02/29/${stamp}.csv`],
    ["part 0", `payment/2024/02/29/${stamp}-0000.csv`],
    ["a part of three digits", `payment/2024/02/29/${stamp}-001.csv`],
    ["a padded part of five digits", `payment/2024/02/29/${stamp}-00001.csv`],
    ["a warehouse table", `dim_staff/2024/02/29/${stamp}.csv`],
    ["the pipeline's own state", "_state/extract.json"],
    ["a processed key", processedKey("fact_sales_order", { table: "sales_order", stamp })],
    ["another suffix", `sales_order/2024/02/29/${stamp}.csv.tmp`],
    ["no date folders", `sales_order/${stamp}.csv`],
    ["a stamp without milliseconds", "sales_order/2024/02/29/20240229T235959Z.csv"],
    ["a nested folder", `archive/sales_order/2024/02/29/${stamp}.csv`],
  ])("rejects %s", (_what, key) => {
    expect(parseIngestionKey(key)).toBeUndefined();
  });
});

describe("processedKey / parseProcessedKey", () => {
  const input = { table: "sales_order", stamp: "20241115T142049962Z" } as const;

  it("files one object per target and input under tables/, named after the input", () => {
    expect(processedKey("fact_sales_order", input)).toBe(
      "tables/fact_sales_order/2024/11/15/sales_order-20241115T142049962Z.parquet",
    );
  });

  it("round-trips a key of every target table from each of its sources", () => {
    for (const target of TARGET_TABLES)
      for (const source of target.sources) {
        // Act
        const parsed = parseProcessedKey(processedKey(target.name, { table: source, stamp: input.stamp }));

        // Assess
        expect(parsed, `${target.name} from ${source}`).toEqual({
          target: target.name,
          source,
          stamp: input.stamp,
        });
      }
  });

  it("keeps a processed key apart from an ingestion key of the same input", () => {
    const key = processedKey("dim_staff", { table: "staff", stamp: input.stamp });

    expect(parseIngestionKey(key)).toBeUndefined();
    expect(parseProcessedKey(ingestionKey("staff", input.stamp))).toBeUndefined();
  });

  it.each([
    ["an unknown target", "tables/fact_nothing/2024/11/15/sales_order-20241115T142049962Z.parquet"],
    ["an unknown source", "tables/fact_sales_order/2024/11/15/orders-20241115T142049962Z.parquet"],
    ["a source table as target", "tables/sales_order/2024/11/15/sales_order-20241115T142049962Z.parquet"],
    ["the join state", "_state/current/staff.parquet"],
    ["no tables/ prefix", "fact_sales_order/2024/11/15/sales_order-20241115T142049962Z.parquet"],
    ["a CSV", "tables/fact_sales_order/2024/11/15/sales_order-20241115T142049962Z.csv"],
    ["a stamp that is not one", "tables/fact_sales_order/2024/11/15/sales_order-latest.parquet"],
  ])("rejects %s", (_what, key) => {
    expect(parseProcessedKey(key)).toBeUndefined();
  });
});

describe("processedKey of one part of an input", () => {
  it("keeps the part, apart from the quarantine digest, and parses back to its input", () => {
    // Prepare
    const input = { table: "payment" as const, stamp: "20241116T100000000Z", part: 3 };

    // Act
    const key = processedKey("fact_payment", input);
    const partial = processedKey("fact_payment", input, "0a1b2c3d");

    // Assess
    expect(key).toBe("tables/fact_payment/2024/11/16/payment-20241116T100000000Z-0003.parquet");
    expect(partial).toBe("tables/fact_payment/2024/11/16/payment-20241116T100000000Z-0003-q0a1b2c3d.parquet");
    expect(parseProcessedKey(key)).toEqual({
      target: "fact_payment",
      source: "payment",
      stamp: input.stamp,
      part: 3,
    });
    expect(parseProcessedKey(partial)).toMatchObject({ part: 3, partial: "0a1b2c3d" });
    expect(ingestionKeyOf(parseProcessedKey(partial)!)).toBe(ingestionKey("payment", input.stamp, 3));
  });
});

describe("processedKey of a partial output (some input rows quarantined)", () => {
  it("carries the digest of the rows left out, and parses back with it", () => {
    // Prepare
    const input = { table: "sales_order" as const, stamp: "20241116T100000000Z" };

    // Act
    const key = processedKey("fact_sales_order", input, "0a1b2c3d");

    // Assess
    expect(key).toBe("tables/fact_sales_order/2024/11/16/sales_order-20241116T100000000Z-q0a1b2c3d.parquet");
    expect(parseProcessedKey(key)).toEqual({
      target: "fact_sales_order",
      source: "sales_order",
      stamp: input.stamp,
      partial: "0a1b2c3d",
    });
    expect(parseProcessedKey(key.replace("-q0a1b2c3d", "-qXYZ"))).toBeUndefined();
  });
});
