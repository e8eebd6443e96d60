export { verify } from "./verify.js";
export type { DifferingColumn, DifferingRow, TableReport, VerifyOptions, VerifyReport } from "./verify.js";
export { DEFAULT_BISECT } from "./bisect.js";
export type { BisectOptions } from "./bisect.js";
export { dataTests, testName } from "./data-tests.js";
export type { DataTest, DataTestResult } from "./data-tests.js";
export {
  portableRowText,
  postgresPortableVerifyDialect,
  postgresVerifyDialect,
  redshiftVerifyDialect,
} from "./dialect.js";
export type { RenderedColumn, VerifyDialect } from "./dialect.js";
export { expectedRowsSql } from "./expected.js";
export { repairCommand, repairOf, type Repair } from "./repair.js";
export { VerifyError } from "./errors.js";
export { VERIFY_REPORT_KEY, readVerifyReport, verifyHistoryKey, writeVerifyReport } from "./report-store.js";
