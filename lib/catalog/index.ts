export * from "./lookup.js";
export { SOURCE_TABLES, PAYMENT_TYPE_NAMES, TRANSACTION_TYPES } from "./source.js";
export type { SourceTableName } from "./source.js";
export { TARGET_TABLES } from "./warehouse.js";
export type { TargetTableName } from "./warehouse.js";
export { CURRENCY_NAMES } from "./currencies.js";
export { sqlType } from "./sql-types.js";
export type * from "./types.js";
