import { expect } from "vitest";
import type { TableExtract } from "../../lib/extract/extract.js";
import { parseIngestionKey } from "../../lib/pipeline/keys.js";

/** A part bound under which the sample's payment, sales_order and transaction windows are written in parts. */
export const SAMPLE_PARTS = { rows: 4000, bytes: 64 * 1024 * 1024 };

/** The sample's payment table (15,836 rows) read in one window as 4 parts of it, in part order. */
export function expectSamplePaymentInParts(tables: readonly TableExtract[]): void {
  const payment = tables.find((t) => t.table === "payment")!;
  expect(payment.rows).toBe(15836);
  expect(payment.objectKeys).toHaveLength(4);
  expect(payment.objectKeys.map((k) => parseIngestionKey(k)?.part)).toEqual([1, 2, 3, 4]);
  expect(new Set(payment.objectKeys.map((k) => parseIngestionKey(k)?.stamp))).toEqual(
    new Set([parseIngestionKey(payment.objectKeys[0]!)!.stamp]),
  );
}
