import { parseIngestionKey, STATE_PREFIX } from "./keys.js";
import type { ObjectStore } from "../store/object-store.js";
import { isRecord, parseStateFile } from "./state-file.js";

/*
 * Row-level quarantine. A row of an ingestion CSV that breaks the contract is set aside with
 * its error and the rest of the file goes through. Records live next to the data, in the
 * ingestion bucket, and each has exactly one writer, so none needs a lock:
 *
 *   _state/quarantine/{table}/objects/{url-encoded object key}.json  written by the transform of that object
 *   _state/quarantine/{table}/resolutions/{url-encoded object key}.json  by the transform of a later object
 *                                                  that carried newer versions of quarantined ids
 *   _state/quarantine/{table}/resolutions/operator-{stamp}.json  by `totes quarantine resolve`
 *
 * A record quotes the one offending cell (at most EXCERPT_CHARS characters), never a row.
 */

/** Longest excerpt of an offending cell a record, a log line or an error message quotes. */
export const EXCERPT_CHARS = 80;

/** The offending cell as records and messages quote it: NULL stays null, long text is cut. */
export const excerptOf = (value: string | null): string | null =>
  value === null || value.length <= EXCERPT_CHARS ? value : `${value.slice(0, EXCERPT_CHARS - 1)}…`;

export interface QuarantinedRow {
  /** Data row of the CSV, from 1 (the header is line 1). */
  readonly row: number;
  /** The row's natural id (primary key) as text, when that cell is a valid id. */
  readonly id: string | null;
  /** The row's `last_updated` as text, when that cell is a valid timestamp. */
  readonly version: string | null;
  /**
   * The read order of the row (lib/pipeline/read-order.ts) as text, when that cell is valid;
   * absent in records written before read orders (then its object's run stamp gives it).
   */
  readonly readOrder?: string | null;
  readonly column: string;
  /** The whole message: `{table} ({object key}): row {n}, column {c}: {excerpt} {problem}`. */
  readonly error: string;
  /** The offending cell, at most EXCERPT_CHARS characters; null when it was NULL. */
  readonly excerpt: string | null;
}

/** What the transform of one object set aside, as of its latest transform. */
export interface QuarantineRecord {
  readonly table: string;
  readonly objectKey: string;
  /** When the object's rows were first quarantined, and when it was last transformed. */
  readonly firstAt: string;
  readonly checkedAt: string;
  readonly rowsIn: number;
  /** Rows that broke the contract at the latest transform. */
  readonly rows: readonly QuarantinedRow[];
  /** Rows that broke it once and passed a later transform of the same object (a replay after a fix). */
  readonly released: readonly (QuarantinedRow & { readonly at: string })[];
}

/** Quarantined rows that a later version (or an operator) settled. */
export interface ResolutionRecord {
  readonly table: string;
  readonly at: string;
  /** A later object whose newer versions of the ids went through, or an operator's decision. */
  readonly by:
    | { readonly kind: "newer-version"; readonly objectKey: string }
    | { readonly kind: "operator"; readonly note: string };
  readonly rows: readonly {
    readonly objectKey: string;
    readonly row: number;
    /** The version that went through, for `newer-version`. */
    readonly newVersion?: string;
  }[];
}

export const quarantinePrefix = (table?: string) => `${STATE_PREFIX}quarantine/${table ? `${table}/` : ""}`;
export const quarantineKey = (table: string, objectKey: string) =>
  `${quarantinePrefix(table)}objects/${encodeURIComponent(objectKey)}.json`;
export const resolutionKey = (table: string, name: string) =>
  `${quarantinePrefix(table)}resolutions/${encodeURIComponent(name)}.json`;

const isRow = (v: unknown): v is QuarantinedRow =>
  isRecord(v) &&
  typeof v.row === "number" &&
  (v.id === null || typeof v.id === "string") &&
  (v.version === null || typeof v.version === "string") &&
  (v.readOrder === undefined || v.readOrder === null || typeof v.readOrder === "string") &&
  typeof v.column === "string" &&
  typeof v.error === "string" &&
  (v.excerpt === null || typeof v.excerpt === "string");

const isQuarantineRecord = (v: unknown): v is QuarantineRecord =>
  isRecord(v) &&
  typeof v.table === "string" &&
  typeof v.objectKey === "string" &&
  typeof v.firstAt === "string" &&
  typeof v.checkedAt === "string" &&
  typeof v.rowsIn === "number" &&
  Array.isArray(v.rows) &&
  v.rows.every(isRow) &&
  Array.isArray(v.released) &&
  v.released.every((r) => isRow(r) && typeof (r as { at?: unknown }).at === "string");

const isResolutionRecord = (v: unknown): v is ResolutionRecord =>
  isRecord(v) &&
  typeof v.table === "string" &&
  typeof v.at === "string" &&
  isRecord(v.by) &&
  (v.by.kind === "newer-version" || v.by.kind === "operator") &&
  Array.isArray(v.rows) &&
  v.rows.every((r) => isRecord(r) && typeof r.objectKey === "string" && typeof r.row === "number");

async function readJson<T>(
  store: ObjectStore,
  bucket: string,
  key: string,
  shape: string,
  guard: (v: unknown) => v is T,
): Promise<T | undefined> {
  const found = await store.getBytes(bucket, key);
  return found ? parseStateFile(key, found.body, shape, guard) : undefined;
}

const putJson = (store: ObjectStore, bucket: string, key: string, value: unknown) =>
  store.putBytes(bucket, key, JSON.stringify(value, null, 2), { contentType: "application/json" });

export const readQuarantineRecord = (store: ObjectStore, bucket: string, table: string, objectKey: string) =>
  readJson(store, bucket, quarantineKey(table, objectKey), "a quarantine record", isQuarantineRecord);

/** Every record and resolution under the prefix (one table, or all of them). */
export async function readQuarantineState(
  store: ObjectStore,
  bucket: string,
  table?: string,
): Promise<{ records: QuarantineRecord[]; resolutions: ResolutionRecord[] }> {
  const records: QuarantineRecord[] = [];
  const resolutions: ResolutionRecord[] = [];
  for await (const o of store.list(bucket, quarantinePrefix(table))) {
    if (!o.key.endsWith(".json")) continue;
    if (o.key.includes("/objects/")) {
      const record = await readJson(store, bucket, o.key, "a quarantine record", isQuarantineRecord);
      if (record) records.push(record);
    } else if (o.key.includes("/resolutions/")) {
      const resolution = await readJson(store, bucket, o.key, "a quarantine resolution", isResolutionRecord);
      if (resolution) resolutions.push(resolution);
    }
  }
  return { records, resolutions };
}

/**
 * Records what the transform of one object set aside. Rows quarantined by an earlier
 * transform of the object that pass now move to `released`. Writes nothing for an object
 * that has never had a bad row. Returns the record written, if any.
 */
export async function recordQuarantine(
  store: ObjectStore,
  bucket: string,
  entry: {
    table: string;
    objectKey: string;
    rowsIn: number;
    rows: readonly QuarantinedRow[];
    previous?: QuarantineRecord;
  },
): Promise<QuarantineRecord | undefined> {
  const { previous } = entry;
  if (!previous && entry.rows.length === 0) return undefined;
  const now = new Date().toISOString();
  const stillBad = new Set(entry.rows.map((r) => r.row));
  const record: QuarantineRecord = {
    table: entry.table,
    objectKey: entry.objectKey,
    firstAt: previous?.firstAt ?? now,
    checkedAt: now,
    rowsIn: entry.rowsIn,
    rows: entry.rows,
    released: [
      ...(previous?.released ?? []).filter((r) => !stillBad.has(r.row)),
      ...(previous?.rows ?? []).filter((r) => !stillBad.has(r.row)).map((r) => ({ ...r, at: now })),
    ],
  };
  await putJson(store, bucket, quarantineKey(entry.table, entry.objectKey), record);
  return record;
}

export async function recordResolution(
  store: ObjectStore,
  bucket: string,
  name: string,
  resolution: ResolutionRecord,
): Promise<void> {
  await putJson(store, bucket, resolutionKey(resolution.table, name), resolution);
}

/** One quarantined row and whether it is settled. */
export interface QuarantineEntry extends QuarantinedRow {
  readonly table: string;
  readonly objectKey: string;
  readonly quarantinedAt: string;
  readonly checkedAt: string;
  readonly resolved?: {
    readonly at: string;
    readonly how: "newer-version" | "passed-on-replay" | "operator";
    /** The object that carried the newer version, or the operator's note. */
    readonly detail: string;
  };
}

/** Records and resolutions joined: every quarantined row, oldest object first, each marked if settled. */
export function quarantineEntries(state: {
  records: readonly QuarantineRecord[];
  resolutions: readonly ResolutionRecord[];
}): QuarantineEntry[] {
  const settled = new Map<string, NonNullable<QuarantineEntry["resolved"]>>();
  for (const r of [...state.resolutions].sort((a, b) => a.at.localeCompare(b.at)))
    for (const row of r.rows) {
      const at = `${r.table}\n${row.objectKey}\n${row.row}`;
      if (settled.has(at)) continue;
      settled.set(at, {
        at: r.at,
        how: r.by.kind,
        detail:
          r.by.kind === "operator"
            ? r.by.note
            : `${r.by.objectKey}${row.newVersion ? ` (version ${row.newVersion})` : ""}`,
      });
    }
  const entries: QuarantineEntry[] = [];
  for (const record of state.records) {
    const base = {
      table: record.table,
      objectKey: record.objectKey,
      quarantinedAt: record.firstAt,
      checkedAt: record.checkedAt,
    };
    for (const { at, ...row } of record.released)
      entries.push({ ...row, ...base, resolved: { at, how: "passed-on-replay", detail: record.objectKey } });
    for (const row of record.rows) {
      const resolved = settled.get(`${record.table}\n${record.objectKey}\n${row.row}`);
      entries.push({ ...row, ...base, ...(resolved ? { resolved } : {}) });
    }
  }
  const stampOf = (key: string) => parseIngestionKey(key)?.stamp ?? key;
  return entries.sort(
    (a, b) =>
      a.table.localeCompare(b.table) ||
      stampOf(a.objectKey).localeCompare(stampOf(b.objectKey)) ||
      a.row - b.row,
  );
}

/** Every quarantined row of one table (or all), settled or not. */
export async function listQuarantine(store: ObjectStore, bucket: string, table?: string) {
  return quarantineEntries(await readQuarantineState(store, bucket, table));
}
