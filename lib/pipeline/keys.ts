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

/** `-0001`: a part's number, four digits at least (1-based). */
const partSuffix = (part: number | undefined): string =>
  part === undefined ? "" : `-${String(part).padStart(4, "0")}`;

/**
 * `{table}/{yyyy}/{mm}/{dd}/{timestamp}.csv`, or `…/{timestamp}-{part}.csv` (`-0001`, `-0002`…)
 * for each part of a window written as several objects (lib/extract/csv-parts.ts). Every part of
 * one extraction has the run's stamp: the stamp orders extractions, the part only tells the
 * objects of one apart.
 */
export const ingestionKey = (table: string, stamp: string, part?: number): string =>
  `${table}/${datePath(stamp)}/${stamp}${partSuffix(part)}.csv`;

export interface IngestionKey {
  readonly table: SourceTableName;
  readonly stamp: string;
  /** Set for one of several parts of a table's window (1-based); absent for a whole window. */
  readonly part?: number;
}

const INGESTION_KEY = /^([a-z_]+)\/\d{4}\/\d{2}\/\d{2}\/(\d{8}T\d{9}Z)(-\d{4,}|)\.csv$/;

/** `-0001` → 1, `` → undefined; null for what `partSuffix` never writes (`-0000`, `-00001`). */
const partOf = (suffix: string | undefined): number | undefined | null => {
  if (!suffix) return undefined;
  const part = Number(suffix.slice(1));
  return part >= 1 && partSuffix(part) === suffix ? part : null;
};

export function parseIngestionKey(key: string): IngestionKey | undefined {
  const match = INGESTION_KEY.exec(key);
  if (!match || !isSourceTableName(match[1]!)) return undefined;
  const part = partOf(match[3]);
  if (part === null) return undefined;
  return { table: match[1], stamp: match[2]!, ...(part !== undefined ? { part } : {}) };
}

/**
 * `tables/{target}/{yyyy}/{mm}/{dd}/{source}-{timestamp}[-{part}].parquet`: one per input and
 * target (an input that is one part of a window keeps its part number).
 * An output built without some of the input's rows (quarantined) adds `-q{8 hex}`, a digest
 * of the rows left out: a later transform of the same input that leaves out fewer (a replay
 * after a fix) writes a new object instead of finding the partial one already there.
 */
export const processedKey = (target: string, input: IngestionKey, partial?: string): string =>
  `${TABLES_PREFIX}${target}/${datePath(input.stamp)}/${input.table}-${input.stamp}${partSuffix(input.part)}${partial ? `-q${partial}` : ""}.parquet`;

export interface ProcessedKey {
  readonly target: TargetTableName;
  readonly source: SourceTableName;
  readonly stamp: string;
  /** The input's part number, when it was one part of a window. */
  readonly part?: number;
  /** Set when the output leaves out quarantined rows of its input. */
  readonly partial?: string;
}

const PROCESSED_KEY =
  /^tables\/([a-z_]+)\/\d{4}\/\d{2}\/\d{2}\/([a-z_]+)-(\d{8}T\d{9}Z)(-\d{4,}|)(-q[0-9a-f]{8}|)\.parquet$/;

/** The ingestion object a processed key was built from. */
export const ingestionKeyOf = (processed: ProcessedKey): string =>
  ingestionKey(processed.source, processed.stamp, processed.part);

export function parseProcessedKey(key: string): ProcessedKey | undefined {
  const match = PROCESSED_KEY.exec(key);
  if (!match || !isTargetTableName(match[1]!) || !isSourceTableName(match[2]!)) return undefined;
  const part = partOf(match[4]);
  if (part === null) return undefined;
  return {
    target: match[1],
    source: match[2],
    stamp: match[3]!,
    ...(part !== undefined ? { part } : {}),
    ...(match[5] ? { partial: match[5].slice(2) } : {}),
  };
}
