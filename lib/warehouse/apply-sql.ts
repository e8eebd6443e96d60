import { loadedColumns } from "../catalog/index.js";
import type { TargetTable } from "../catalog/index.js";
import { qualified, quoteIdent, quoteLiteral } from "../db/identifiers.js";
import { DIM_VERSION_COLUMNS, storedVersionColumn } from "../pipeline/dim-versions.js";
import { READ_ORDER } from "../pipeline/read-order.js";
import type { WarehouseSchemas } from "./schema.js";

/**
 * The SQL that moves a staged object into its warehouse table, generated from the
 * catalog for every table (no per-table hand-written SQL). Plain MERGE / INSERT …
 * SELECT / DELETE … USING.
 */
export const STAGE = "_totes_stage";

/** `"a", "b"`, each name quoted, with an optional alias prefix (`n."a"`). */
export const list = (names: readonly string[], prefix = "") =>
  names.map((n) => `${prefix}${quoteIdent(n)}`).join(", ");

/**
 * `stored >= staged`, component by component, for pairs of (stored, staged) expressions:
 * true when the stored version is newer or the same. Spelled out (no row-value comparison,
 * which Redshift lacks).
 */
function notOlder(pairs: readonly (readonly [string, string])[], from = 0): string {
  const [stored, staged] = pairs[from]!;
  if (from === pairs.length - 1) return `${stored} >= ${staged}`;
  return `(${stored} > ${staged} OR (${stored} = ${staged} AND ${notOlder(pairs, from + 1)}))`;
}

/** The loaded columns of `a` and `b` hold the same values, NULL equal to NULL, never NULL itself. */
export function sameValues(columns: readonly string[], a: string, b: string): string {
  return columns
    .map(
      (c) =>
        `COALESCE(${a}.${quoteIdent(c)} = ${b}.${quoteIdent(c)}, ${a}.${quoteIdent(c)} IS NULL AND ${b}.${quoteIdent(c)} IS NULL)`,
    )
    .join(" AND ");
}

/** The fact row a staged row is a version of: same natural id and version key. */
export const sameVersion = (table: TargetTable, fact: string, staged: string) =>
  [table.naturalKey, ...(table.versionKey ?? [])]
    .map((c) => `${fact}.${quoteIdent(c)} = ${staged}.${quoteIdent(c)}`)
    .join(" AND ");

/** A fact's columns that a correction may change: all but its identity. */
export const correctable = (table: TargetTable) =>
  loadedColumns(table)
    .map((c) => c.name)
    .filter((c) => c !== table.naturalKey && !(table.versionKey ?? []).includes(c));

export const recordId = (table: TargetTable) => quoteIdent(table.recordId ?? table.naturalKey);

/**
 * Facts: each (natural id, version) once; ids from the warehouse; a reload inserts nothing.
 * An object holds each version once (the transform makes it so; the UNIQUE constraint
 * would reject one that did not), so no de-duplication pass is needed here.
 */
export function factInsert(table: TargetTable, schemas: WarehouseSchemas): string {
  const columns = loadedColumns(table).map((c) => c.name);
  const identity = [table.naturalKey, ...(table.versionKey ?? [])];
  const target = qualified(schemas.stars, table.name);
  return `INSERT INTO ${target} (${list(columns)})
    SELECT ${list(columns, "s.")} FROM ${STAGE} s
     WHERE NOT EXISTS (
       SELECT 1 FROM ${target} f WHERE ${identity.map((c) => `f.${quoteIdent(c)} = s.${quoteIdent(c)}`).join(" AND ")})`;
}

/**
 * Facts: drops the staged rows whose version the warehouse holds from the same or a later
 * read (`totes_meta.fact_read`, one row per fact row). What is left is new, or a later read of
 * a version it holds: a correction. A fact row with no read recorded (loaded before they were
 * kept) counts as read before everything.
 */
export function factDropStale(table: TargetTable, schemas: WarehouseSchemas): string {
  return `DELETE FROM ${STAGE}
      USING ${qualified(schemas.stars, table.name)} f, ${qualified(schemas.meta, "fact_read")} v
      WHERE ${sameVersion(table, "f", STAGE)}
        AND v.table_name = $1 AND v.record_id = f.${recordId(table)}
        AND v.read_order >= ${STAGE}.${READ_ORDER}`;
}

/**
 * Facts: a later read of a version the warehouse holds corrects that row in place (same
 * record id, no new row), if any of its values differ; an identical read writes nothing.
 */
export function factCorrect(table: TargetTable, schemas: WarehouseSchemas): string {
  const columns = correctable(table);
  return `UPDATE ${qualified(schemas.stars, table.name)} f
        SET ${columns.map((c) => `${quoteIdent(c)} = s.${quoteIdent(c)}`).join(", ")}
       FROM ${STAGE} s
      WHERE ${sameVersion(table, "f", "s")} AND NOT (${sameValues(columns, "f", "s")})`;
}

/** Records, per fact row the stage holds a version of, the read its values are from. */
export function factVersionMerge(table: TargetTable, schemas: WarehouseSchemas): string {
  return `MERGE INTO ${qualified(schemas.meta, "fact_read")} v
      USING (SELECT f.${recordId(table)} AS record_id, s.${READ_ORDER} AS read_order
               FROM ${STAGE} s JOIN ${qualified(schemas.stars, table.name)} f ON ${sameVersion(table, "f", "s")}) n
         ON v.table_name = $1 AND v.record_id = n.record_id
    WHEN MATCHED THEN UPDATE SET read_order = n.read_order
    WHEN NOT MATCHED THEN INSERT (table_name, record_id, read_order) VALUES ($1, n.record_id, n.read_order)`;
}

/**
 * Facts: the same for the reads recorded by record-id range (`fact_read_range`, a load copied
 * straight in): a range's read is held by every row in it that has no read of its own (a row's
 * own read, recorded by a later correction, is always the later one).
 */
export function factDropStaleByRange(table: TargetTable, schemas: WarehouseSchemas): string {
  const record = `f.${recordId(table)}`;
  return `DELETE FROM ${STAGE}
      USING ${qualified(schemas.stars, table.name)} f, ${qualified(schemas.meta, "fact_read_range")} g
      WHERE ${sameVersion(table, "f", STAGE)}
        AND g.table_name = $1 AND ${inRecordedRange("g", record, "first_record", "last_record")}
        AND g.read_order >= ${STAGE}.${READ_ORDER}`;
}

/** Facts, copied straight into an empty table: forgets the reads recorded for its old rows. */
export const factVersionsForget = (schemas: WarehouseSchemas): string[] => [
  `DELETE FROM ${qualified(schemas.meta, "fact_read")} WHERE table_name = $1`,
  `DELETE FROM ${qualified(schemas.meta, "fact_read_range")} WHERE table_name = $1`,
];

/**
 * A range of record ids is recorded per bucket of this many ids, so that a fact row finds its
 * range by equality (a hash join in the current-version view), then BETWEEN.
 */
export const RANGE_BUCKET = 65_536;

/**
 * `value` falls in the recorded range `range` (fact_read_range, dim_read_range) whose bounds
 * are the columns `first` and `last`: its bucket first, an equality a join can hash, then the
 * bounds.
 */
export const inRecordedRange = (range: string, value: string, first: string, last: string): string =>
  `${range}.bucket = ${value} / ${RANGE_BUCKET} AND ${value} BETWEEN ${range}.${first} AND ${range}.${last}`;

/**
 * The runs `r(lo, hi)` (ids ≥ 0) split at bucket boundaries, as the bookkeeping records them:
 * one row per bucket a run touches (`join`), with its bucket and bounds (`columns`).
 */
const perBucket = () => ({
  columns: `b, GREATEST(r.lo, b * ${RANGE_BUCKET}), LEAST(r.hi, b * ${RANGE_BUCKET} + ${RANGE_BUCKET - 1})`,
  join: `CROSS JOIN LATERAL generate_series(r.lo / ${RANGE_BUCKET}, r.hi / ${RANGE_BUCKET}) AS b`,
});

/**
 * An object copied straight in with at least this many rows records its read once per bucket
 * of record ids it filled (`fact_read_range`) instead of once per row (an index entry and
 * WAL per row: ~20% of a large fact load's Postgres time). Fewer rows, once per row: a bucket
 * then holds at most RANGE_BUCKET / RANGE_MIN_ROWS ranges, whatever the deltas' sizes.
 */
export const RANGE_MIN_ROWS = 1_000;

/**
 * Facts, copied straight in (Postgres, under the load lock): every row above record id $3 was
 * read at read order $2, recorded as one range per bucket of record ids the rows fill.
 */
export function factRangesAbove(table: TargetTable, schemas: WarehouseSchemas): string {
  const record = recordId(table);
  const buckets = perBucket();
  return `INSERT INTO ${qualified(schemas.meta, "fact_read_range")} (table_name, bucket, first_record, last_record, read_order)
    SELECT CAST($1 AS text), ${buckets.columns}, CAST($2 AS bigint)
      FROM (SELECT min(${record}) AS lo, max(${record}) AS hi FROM ${qualified(schemas.stars, table.name)}
             WHERE ${record} > $3) r
      ${buckets.join}`;
}

/** Facts: the highest record id the table holds (NULL when empty), by the primary key. */
export const factTopRecord = (table: TargetTable, schemas: WarehouseSchemas): string =>
  `SELECT max(${recordId(table)}) AS top FROM ${qualified(schemas.stars, table.name)}`;

/** Facts (Postgres): the sequence behind the table's record id identity. */
const recordIdSequence = (table: TargetTable, schemas: WarehouseSchemas): string =>
  `pg_get_serial_sequence(${quoteLiteral(qualified(schemas.stars, table.name))}, ${quoteLiteral(table.recordId ?? table.naturalKey)})`;

/**
 * Facts (Postgres): the next record id of the table's identity, taken as the first of the ids a
 * copy writes itself. NULL (and none taken) when this login may not move the identity on after
 * the copy (`setval` wants UPDATE on the sequence, reading where it stands USAGE).
 */
export const factRecordIdsFrom = (table: TargetTable, schemas: WarehouseSchemas): string =>
  `SELECT CASE WHEN has_sequence_privilege(s, 'UPDATE') AND has_sequence_privilege(s, 'USAGE')
    THEN nextval(s) END AS first
  FROM ${recordIdSequence(table, schemas)} s`;

/**
 * Facts (Postgres): the table's identity moved past the highest record id the table holds (the
 * ids a copy wrote itself; read from the table, not counted), never back (a `nextval` called
 * meanwhile outside a load keeps its value).
 */
export const factRecordIdsTo = (table: TargetTable, schemas: WarehouseSchemas): string =>
  `SELECT setval(s, greatest((SELECT max(${recordId(table)}) FROM ${qualified(schemas.stars, table.name)}),
                             pg_sequence_last_value(s::regclass)))
    FROM ${recordIdSequence(table, schemas)} s`;

/** Facts, copied straight in (fewer than RANGE_MIN_ROWS rows): every row above record id $3 was read at read order $2. */
export function factVersionsAbove(table: TargetTable, schemas: WarehouseSchemas): string {
  return `INSERT INTO ${qualified(schemas.meta, "fact_read")} (table_name, record_id, read_order)
    SELECT CAST($1 AS text), ${recordId(table)}, CAST($2 AS bigint) FROM ${qualified(schemas.stars, table.name)}
     WHERE ${recordId(table)} > $3`;
}

/**
 * Dims: drops the staged rows the warehouse already has a newer (or the same) version of.
 * An object holds one row per id (the transform emits the current row of each), so what is
 * left is exactly what to upsert; a duplicate would make the MERGE fail loudly.
 */
export function dimDropStale(table: TargetTable, schemas: WarehouseSchemas): string {
  const key = quoteIdent(table.naturalKey);
  const versions = DIM_VERSION_COLUMNS.map((c) => [`v.${storedVersionColumn(c)}`, `${STAGE}.${c}`] as const);
  return `DELETE FROM ${STAGE} USING ${qualified(schemas.meta, "dim_read")} v
      WHERE v.table_name = $1 AND v.natural_id = ${STAGE}.${key}
        AND ${notOlder(versions)}`;
}

/**
 * Dims: the same for the reads recorded by id range (`dim_read_range`, a load copied straight
 * in): a range covers exactly ids its object held. An id with a read of its own too was read
 * later (only a newer read gets past this check to be recorded), so the range never decides
 * against it.
 */
export function dimDropStaleByRange(table: TargetTable, schemas: WarehouseSchemas): string {
  const key = `${STAGE}.${quoteIdent(table.naturalKey)}`;
  const versions = DIM_VERSION_COLUMNS.map((c) => [`g.${storedVersionColumn(c)}`, `${STAGE}.${c}`] as const);
  return `DELETE FROM ${STAGE} USING ${qualified(schemas.meta, "dim_read_range")} g
      WHERE g.table_name = $1 AND ${inRecordedRange("g", key, "first_id", "last_id")}
        AND ${notOlder(versions)}`;
}

/**
 * Dims, copied straight in: whether any id of the runs ($2 firsts, $3 lasts) has a read
 * recorded, of its own or in a range. Then the object is not a first read of its ids.
 */
export function dimReadsHeld(schemas: WarehouseSchemas): string {
  const runs = `unnest(CAST($2 AS integer[]), CAST($3 AS integer[])) AS r(lo, hi)`;
  return `SELECT EXISTS (
      SELECT 1 FROM ${runs} JOIN ${qualified(schemas.meta, "dim_read")} v
        ON v.table_name = $1 AND v.natural_id BETWEEN r.lo AND r.hi)
    OR EXISTS (
      SELECT 1 FROM ${runs} JOIN ${qualified(schemas.meta, "dim_read_range")} g
        ON g.table_name = $1 AND g.bucket BETWEEN r.lo / ${RANGE_BUCKET} AND r.hi / ${RANGE_BUCKET}
       AND g.first_id <= r.hi AND g.last_id >= r.lo) AS held`;
}

const storedVersions = DIM_VERSION_COLUMNS.map(storedVersionColumn).join(", ");

/**
 * Dims, copied straight in with one read for every row ($2, $3: its version columns): records
 * it once per run of ids ($4 firsts, $5 lasts, ids ≥ 0), split at bucket boundaries.
 */
export function dimRangesInsert(schemas: WarehouseSchemas): string {
  const buckets = perBucket();
  return `INSERT INTO ${qualified(schemas.meta, "dim_read_range")} (table_name, bucket, first_id, last_id, ${storedVersions})
    SELECT CAST($1 AS text), ${buckets.columns}, CAST($2 AS bigint), CAST($3 AS bigint)
      FROM unnest(CAST($4 AS integer[]), CAST($5 AS integer[])) AS r(lo, hi)
      ${buckets.join}`;
}

/** Dims, copied straight in with one read for every row ($2, $3): records it for each id of $4. */
export function dimReadsInsert(schemas: WarehouseSchemas): string {
  return `INSERT INTO ${qualified(schemas.meta, "dim_read")} (table_name, natural_id, ${storedVersions})
    SELECT CAST($1 AS text), id, CAST($2 AS bigint), CAST($3 AS bigint) FROM unnest(CAST($4 AS integer[])) AS id`;
}

/**
 * Dims: drops the staged rows whose values the dim already has (a newer read that changed
 * nothing), after dimVersionMerge has recorded their version: they write nothing.
 */
export function dimDropUnchanged(table: TargetTable, schemas: WarehouseSchemas): string {
  const key = quoteIdent(table.naturalKey);
  const columns = loadedColumns(table)
    .map((c) => c.name)
    .filter((c) => c !== table.naturalKey);
  return `DELETE FROM ${STAGE} USING ${qualified(schemas.stars, table.name)} d
      WHERE d.${key} = ${STAGE}.${key}${columns.length ? ` AND ${sameValues(columns, "d", STAGE)}` : ""}`;
}

/** Type 1 upsert on the natural id of the rows dimDropStale and dimDropUnchanged kept. */
export function dimMerge(table: TargetTable, schemas: WarehouseSchemas): string {
  const columns = loadedColumns(table).map((c) => c.name);
  const key = quoteIdent(table.naturalKey);
  const updates = columns
    .filter((c) => c !== table.naturalKey)
    .map((c) => `${quoteIdent(c)} = n.${quoteIdent(c)}`);
  return `MERGE INTO ${qualified(schemas.stars, table.name)} d USING ${STAGE} n ON d.${key} = n.${key}
    WHEN MATCHED THEN UPDATE SET ${updates.join(", ")}
    WHEN NOT MATCHED THEN INSERT (${list(columns)}) VALUES (${list(columns, "n.")})`;
}

export function dimVersionMerge(table: TargetTable, schemas: WarehouseSchemas): string {
  const key = quoteIdent(table.naturalKey);
  const stored = DIM_VERSION_COLUMNS.map(storedVersionColumn);
  const staged = DIM_VERSION_COLUMNS.map((c) => `n.${c}`);
  return `MERGE INTO ${qualified(schemas.meta, "dim_read")} v USING ${STAGE} n
      ON v.table_name = $1 AND v.natural_id = n.${key}
    WHEN MATCHED THEN UPDATE SET ${stored.map((c, i) => `${c} = ${staged[i]}`).join(", ")}
    WHEN NOT MATCHED THEN INSERT (table_name, natural_id, ${stored.join(", ")})
      VALUES ($1, n.${key}, ${staged.join(", ")})`;
}

/** Immutable rows (calendar days): insert the missing ones, never update. */
export function insertMissing(table: TargetTable, schemas: WarehouseSchemas): string {
  const columns = loadedColumns(table).map((c) => c.name);
  const key = quoteIdent(table.naturalKey);
  return `MERGE INTO ${qualified(schemas.stars, table.name)} d
    USING (SELECT DISTINCT ${list(columns)} FROM ${STAGE}) n ON d.${key} = n.${key}
    WHEN NOT MATCHED THEN INSERT (${list(columns)}) VALUES (${list(columns, "n.")})`;
}
