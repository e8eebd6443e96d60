import { STATE_PREFIX } from "../pipeline/keys.js";
import { isRecord, parseStateFile } from "../pipeline/state-file.js";
import type { ObjectStore } from "../store/object-store.js";

export const EXTRACT_STATE_KEY = `${STATE_PREFIX}extract.json`;

/** What the high marks were taken from, so a reset or different source is noticed. */
export interface SourceIdentity {
  /** `pg_control_system()`'s system identifier, where the login may read it. */
  readonly systemIdentifier?: string;
  /** The schema the tables were read from; absent in state written before it was configurable (`public`). */
  readonly schema?: string;
  readonly database: string;
  readonly databaseOid: number;
  /** Each table's oid: a table dropped and made again (`source init --reset`) gets a new one. */
  readonly tables: Readonly<Record<string, number>>;
}

export interface TableMark {
  /**
   * The cursor: the `xmin` (xid8) of the snapshot of the run that last read this table. The
   * next run reads every row version written by a transaction at or above it. Absent: read
   * the whole table (first run, after `totes state reset`, or state from before cursors).
   */
  readonly since?: string;
  readonly lastObjectKey?: string;
  readonly lastRows: number;
  readonly lastExtractedAt: string;
}

export interface ExtractState {
  readonly version: 2;
  readonly source?: SourceIdentity;
  /** The snapshot the cursors were last advanced to, for status: "read up to". */
  readonly snapshot?: { readonly xmin: string; readonly xmax: string; readonly takenAt: string };
  readonly tables: Readonly<Record<string, TableMark>>;
  readonly lastRun?: { readonly runAt: string; readonly objects: number; readonly rows: number };
}

export interface VersionedState {
  readonly state: ExtractState;
  /** ETag of the object read, for a conditional write; undefined when there was none. */
  readonly etag?: string;
}

const EMPTY: ExtractState = { version: 2, tables: {} };

const isTableMark = (v: unknown): v is TableMark =>
  isRecord(v) &&
  (v.since === undefined || typeof v.since === "string") &&
  typeof v.lastRows === "number" &&
  typeof v.lastExtractedAt === "string";

const isIdentity = (v: unknown): v is SourceIdentity =>
  isRecord(v) &&
  (v.schema === undefined || typeof v.schema === "string") &&
  typeof v.database === "string" &&
  typeof v.databaseOid === "number" &&
  isRecord(v.tables);

export function isExtractState(v: unknown): v is ExtractState {
  return (
    isRecord(v) &&
    v.version === 2 &&
    (v.source === undefined || isIdentity(v.source)) &&
    isRecord(v.tables) &&
    Object.values(v.tables).every(isTableMark)
  );
}

/** High marks of the first build (version 1: timestamps): a run after it reads every table once. */
const isFirstBuildState = (v: unknown): v is { version: 1 } => isRecord(v) && v.version === 1;

/** The extract state in a state file's bytes (undefined: no file yet, the empty state). */
export function parseExtractState(body: Uint8Array | undefined): ExtractState {
  if (!body) return EMPTY;
  const state = parseStateFile(
    EXTRACT_STATE_KEY,
    body,
    "extract cursors (version 2)",
    (v): v is ExtractState | { version: 1 } => isExtractState(v) || isFirstBuildState(v),
  );
  // Timestamp high marks cannot say what a late commit or an unstamped edit changed: start
  // over once (facts and dims absorb the re-read), keeping the object's version for the write.
  return state.version === 2 ? state : EMPTY;
}

export async function readExtractState(store: ObjectStore, bucket: string): Promise<VersionedState> {
  const found = await store.getBytes(bucket, EXTRACT_STATE_KEY);
  if (!found) return { state: EMPTY };
  return { state: parseExtractState(found.body), etag: found.etag };
}

/**
 * Starts capture over: every table (or those named) is read in full by the next run, and the
 * source's identity is taken anew. Facts gain no duplicate version from the re-read (they are
 * keyed by id and version), dims are repaired by it.
 */
export async function resetExtractState(
  store: ObjectStore,
  bucket: string,
  tables?: readonly string[],
): Promise<ExtractState> {
  const { state, etag } = await readExtractState(store, bucket);
  const reset: ExtractState = tables?.length
    ? {
        ...state,
        ...(state.source
          ? {
              source: {
                ...state.source,
                tables: Object.fromEntries(
                  Object.entries(state.source.tables).filter(([t]) => !tables.includes(t)),
                ),
              },
            }
          : {}),
        tables: Object.fromEntries(
          Object.entries(state.tables).map(([t, mark]) => {
            if (!tables.includes(t)) return [t, mark];
            const { since: _since, ...rest } = mark;
            return [t, rest];
          }),
        ),
      }
    : { version: 2, tables: {}, ...(state.lastRun ? { lastRun: state.lastRun } : {}) };
  await writeExtractState(store, bucket, reset, etag);
  return reset;
}

/**
 * Commits the cursors. Conditional on the state read at the start of the run, so two
 * overlapping runs cannot both advance them: the loser fails loudly instead.
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
