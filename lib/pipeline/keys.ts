import { isSourceTableName, isTargetTableName } from "../catalog/index.js";
import type { SourceTableName, TargetTableName } from "../catalog/index.js";

import { TABLES_PREFIX } from "./key-layout.js";

export { CSV_SUFFIX, PARQUET_SUFFIX, STATE_PREFIX, TABLES_PREFIX } from "./key-layout.js";

/** `20261127T045210123Z`: sortable, no characters S3 events would escape. */
export function runStamp(at: Date): string {
  return at.toISOString().replace(/[-:.]/g, "");
}

/** The instant a run stamp names (inverse of `runStamp`); undefined for anything else. */
export function stampTime(stamp: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/.exec(stamp);
  if (!m) return undefined;
  const at = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

const datePath = (stamp: string) => `${stamp.slice(0, 4)}/${stamp.slice(4, 6)}/${stamp.slice(6, 8)}`;

/** `{table}/{yyyy}/{mm}/{dd}/{timestamp}.csv` */
export const ingestionKey = (table: string, stamp: string): string =>
  `${table}/${datePath(stamp)}/${stamp}.csv`;

export interface IngestionKey {
  readonly table: SourceTableName;
  readonly stamp: string;
}

const INGESTION_KEY = /^([a-z_]+)\/\d{4}\/\d{2}\/\d{2}\/(\d{8}T\d{9}Z)\.csv$/;

export function parseIngestionKey(key: string): IngestionKey | undefined {
  const match = INGESTION_KEY.exec(key);
  if (!match || !isSourceTableName(match[1]!)) return undefined;
  return { table: match[1], stamp: match[2]! };
}

/**
 * `tables/{target}/{yyyy}/{mm}/{dd}/{source}-{timestamp}.parquet`: one per input and target.
 * An output built without some of the input's rows (quarantined) adds `-q{8 hex}`, a digest
 * of the rows left out: a later transform of the same input that leaves out fewer (a replay
 * after a fix) writes a new object instead of finding the partial one already there.
 */
export const processedKey = (target: string, input: IngestionKey, partial?: string): string =>
  `${TABLES_PREFIX}${target}/${datePath(input.stamp)}/${input.table}-${input.stamp}${partial ? `-q${partial}` : ""}.parquet`;

export interface ProcessedKey {
  readonly target: TargetTableName;
  readonly source: SourceTableName;
  readonly stamp: string;
  /** Set when the output leaves out quarantined rows of its input. */
  readonly partial?: string;
}

const PROCESSED_KEY =
  /^tables\/([a-z_]+)\/\d{4}\/\d{2}\/\d{2}\/([a-z_]+)-(\d{8}T\d{9}Z)(-q[0-9a-f]{8}|)\.parquet$/;

export function parseProcessedKey(key: string): ProcessedKey | undefined {
  const match = PROCESSED_KEY.exec(key);
  if (!match || !isTargetTableName(match[1]!) || !isSourceTableName(match[2]!)) return undefined;
  return {
    target: match[1],
    source: match[2],
    stamp: match[3]!,
    ...(match[4] ? { partial: match[4].slice(2) } : {}),
  };
}
