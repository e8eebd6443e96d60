import { CURRENCY_NAMES } from "./currencies.js";
import type { ColumnCheck } from "./types.js";

/** What a column check accepts, and how a value it refuses is described (after the value). */
export interface CheckRule {
  readonly accepted: readonly string[];
  readonly problem: string;
}

/** Every column check the catalog can put on a column. */
export const COLUMN_CHECKS: { readonly [K in ColumnCheck]: CheckRule } = {
  /** A currency code dim_currency can name: unknown codes are an error, never a NULL name. */
  iso4217: {
    accepted: Object.keys(CURRENCY_NAMES),
    problem: "is not an ISO 4217 currency code this pipeline knows",
  },
};
