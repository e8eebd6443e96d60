import { STATE_PREFIX } from "../pipeline/keys.js";
import { isRecord, parseStateFile } from "../pipeline/state-file.js";
import type { ObjectStore } from "../store/object-store.js";

export const EXTRACT_STATE_KEY = `${STATE_PREFIX}extract.json`;

export interface TableMark {
  /** Exclusive upper bound of the last committed window: the next run reads from here. */
  readonly highMark: string;
  readonly lastObjectKey: string;
  readonly lastRows: number;
  readonly lastExtractedAt: string;
}

export interface ExtractState {
  readonly version: 1;
  readonly tables: Readonly<Record<string, TableMark>>;
  readonly lastRun?: { readonly runAt: string; readonly objects: number; readonly rows: number };
}

export interface VersionedState {
  readonly state: ExtractState;
  /** ETag of the object read, for a conditional write; undefined when there was none. */
  readonly etag?: string;
}

export async function readExtractState(store: ObjectStore, bucket: string): Promise<VersionedState> {
  const found = await store.getBytes(bucket, EXTRACT_STATE_KEY);
  if (!found) return { state: { version: 1, tables: {} } };
  return {
    state: parseStateFile(EXTRACT_STATE_KEY, found.body, "extract high marks (version 1)", isExtractState),
    etag: found.etag,
  };
}

const isTableMark = (v: unknown): v is TableMark =>
  isRecord(v) &&
  typeof v.highMark === "string" &&
  typeof v.lastObjectKey === "string" &&
  typeof v.lastRows === "number" &&
  typeof v.lastExtractedAt === "string";

export function isExtractState(v: unknown): v is ExtractState {
  return isRecord(v) && v.version === 1 && isRecord(v.tables) && Object.values(v.tables).every(isTableMark);
}

/**
 * Commits high marks. Conditional on the state read at the start of the run, so two
 * overlapping runs cannot both advance the marks: the loser fails loudly instead.
 */
export async function writeExtractState(
  store: ObjectStore,
  bucket: string,
  state: ExtractState,
  previousEtag: string | undefined,
): Promise<void> {
  await store.putBytes(bucket, EXTRACT_STATE_KEY, JSON.stringify(state, null, 2), {
    contentType: "application/json",
    ...(previousEtag ? { ifMatch: previousEtag } : { ifNoneMatch: true }),
  });
}
