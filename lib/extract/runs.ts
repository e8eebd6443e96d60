import { STATE_PREFIX, runStamp } from "../pipeline/keys.js";
import { isRecord, parseStateFile } from "../pipeline/state-file.js";
import type { ObjectStore } from "../store/object-store.js";

/** What started an extraction: the schedule, an operator's `extract-now`, or a backfill. */
/** "run": a `totes run` on a laptop (its `--every` runs are "schedule"). */
export const EXTRACT_TRIGGERS = ["schedule", "extract-now", "backfill", "run"] as const;
export type ExtractTrigger = (typeof EXTRACT_TRIGGERS)[number];

export const RUNS_PREFIX = `${STATE_PREFIX}runs/`;

/** `_state/runs/{stamp}.json`: one immutable record per committed extraction, sortable by key. */
export const runRecordKey = (runAt: string): string => `${RUNS_PREFIX}${runStamp(new Date(runAt))}.json`;

export interface RunTable {
  readonly table: string;
  /** The window read: row versions written from `from` (an xid8; null: the whole table) up to the snapshot. */
  readonly from: string | null;
  readonly to: string;
  /** Read in full on request (backfill). */
  readonly full: boolean;
  readonly rows: number;
  /** The ingestion objects written, in part order (none when the window held no row). */
  readonly objectKeys: readonly string[];
  readonly seconds: number;
}

export interface RunRecord {
  readonly version: 1;
  /** The snapshot's time (the source's clock): the run's id and every object's stamp. */
  readonly runAt: string;
  /** When the extraction started and how long it took, up to its cursors' commit. */
  readonly startedAt: string;
  readonly seconds: number;
  readonly trigger: ExtractTrigger;
  readonly tables: readonly RunTable[];
}

const isRunTable = (v: unknown): v is RunTable =>
  isRecord(v) &&
  typeof v.table === "string" &&
  (v.from === null || typeof v.from === "string") &&
  typeof v.to === "string" &&
  typeof v.full === "boolean" &&
  typeof v.rows === "number" &&
  Array.isArray(v.objectKeys) &&
  v.objectKeys.every((k) => typeof k === "string") &&
  typeof v.seconds === "number";

export const isRunRecord = (v: unknown): v is RunRecord =>
  isRecord(v) &&
  v.version === 1 &&
  typeof v.runAt === "string" &&
  typeof v.startedAt === "string" &&
  typeof v.seconds === "number" &&
  (EXTRACT_TRIGGERS as readonly unknown[]).includes(v.trigger) &&
  Array.isArray(v.tables) &&
  v.tables.every(isRunTable);

/** Stores a committed run's record (written once, after the cursors); returns its key. */
export async function writeRunRecord(
  store: ObjectStore,
  bucket: string,
  run: Omit<RunRecord, "version">,
): Promise<string> {
  const key = runRecordKey(run.runAt);
  const record: RunRecord = { version: 1, ...run };
  await store.putBytes(bucket, key, JSON.stringify(record, null, 2), { contentType: "application/json" });
  return key;
}

/**
 * The latest `limit` run records, newest first. Lists every record key (one per run: ~72 a day
 * on the 20-minute schedule, a thousand to a listing page) and reads only the ones returned.
 */
export async function listRunRecords(
  store: ObjectStore,
  bucket: string,
  limit: number,
): Promise<RunRecord[]> {
  const keys: string[] = [];
  for await (const o of store.list(bucket, RUNS_PREFIX)) if (o.key.endsWith(".json")) keys.push(o.key);
  const latest = keys.sort().reverse().slice(0, limit);
  return Promise.all(
    latest.map(async (key) => {
      const found = await store.getBytes(bucket, key);
      if (!found) throw new Error(`run record ${key} was listed but is gone`);
      return parseStateFile(key, found.body, "an extraction's run record (version 1)", isRunRecord);
    }),
  );
}
