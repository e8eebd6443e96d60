import { CURRENCY_NAMES } from "../catalog/index.js";
import { quoteLiteral } from "../db/identifiers.js";

/**
 * The `currency_names` lookup the models join (ISO 4217 code → name, lib/catalog/currencies.ts)
 * as a query both DuckDB and Postgres run: a VALUES list, so it is a view, not a table to fill.
 */
export const currencyNamesSql = (): string =>
  `SELECT * FROM (VALUES ${Object.entries(CURRENCY_NAMES)
    .map(([code, name]) => `(${quoteLiteral(code)}, ${quoteLiteral(name)})`)
    .join(", ")}) AS n (currency_code, currency_name)`;
