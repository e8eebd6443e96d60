import { STATE_PREFIX } from "../pipeline/key-layout.js";
import { isRecord, parseStateFile } from "../pipeline/state-file.js";
import type { ObjectStore } from "../store/object-store.js";
import type { VerifyReport } from "./verify.js";

/** The scheduled verify's latest report, in the processed bucket (`totes verify --stage S` reads it). */
export const VERIFY_REPORT_KEY = `${STATE_PREFIX}verify/latest.json`;

/** Every report is kept too, by time: `_state/verify/2026/12/01/20261201T060000123Z.json`. */
export const verifyHistoryKey = (verifiedAt: string): string => {
  const stamp = verifiedAt.replace(/[-:.]/g, "");
  return `${STATE_PREFIX}verify/${stamp.slice(0, 4)}/${stamp.slice(4, 6)}/${stamp.slice(6, 8)}/${stamp}.json`;
};

const isVerifyReport = (v: unknown): v is VerifyReport =>
  isRecord(v) &&
  typeof v.verifiedAt === "string" &&
  typeof v.equal === "boolean" &&
  typeof v.mismatches === "number" &&
  Array.isArray(v.tables);

export async function writeVerifyReport(
  store: ObjectStore,
  bucket: string,
  report: VerifyReport,
): Promise<string> {
  const body = JSON.stringify(report, null, 2);
  const history = verifyHistoryKey(report.verifiedAt);
  await store.putBytes(bucket, history, body, { contentType: "application/json" });
  await store.putBytes(bucket, VERIFY_REPORT_KEY, body, { contentType: "application/json" });
  return history;
}

/** The latest report, or undefined when verify never ran. */
export async function readVerifyReport(
  store: ObjectStore,
  bucket: string,
): Promise<VerifyReport | undefined> {
  const found = await store.getBytes(bucket, VERIFY_REPORT_KEY);
  if (!found) return undefined;
  return parseStateFile(VERIFY_REPORT_KEY, found.body, "a verify report", isVerifyReport);
}
