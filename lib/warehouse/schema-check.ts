import { TARGET_TABLES, sqlType } from "../catalog/index.js";
import type { Column } from "../catalog/index.js";
import { quoteIdent } from "../db/identifiers.js";
import type { SchemaConflict } from "../errors.js";
import { DIM_VERSION_COLUMNS, storedVersionColumn } from "../pipeline/dim-versions.js";
import type { WarehouseSchemas } from "./schema.js";

/**
 * Comparing the warehouse with what the pipeline writes into: the star tables (from the
 * catalog) and the `totes_meta` tables, column by column, in the normalised type names
 * `sqlType()` uses (`integer`, `numeric(10,2)`, `varchar(3)`, `timestamp(3)`, `time(3)`,
 * `date`, `boolean`, `text`, an enum by its quoted name).
 */

export interface ExpectedColumn {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  /** The warehouse fills it (a fact's record id): an identity column, or at least a default. */
  readonly identity?: boolean;
}

export interface ExpectedTable {
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly ExpectedColumn[];
}

/** A column as `information_schema.columns` describes it (what `SqlDialect.inspectColumns` answers). */
export interface FoundColumn {
  readonly table_schema: string;
  readonly table_name: string;
  readonly column_name: string;
  readonly data_type: string;
  readonly udt_name: string | null;
  readonly character_maximum_length: number | string | null;
  readonly numeric_precision: number | string | null;
  readonly numeric_scale: number | string | null;
  readonly datetime_precision: number | string | null;
  /** `YES` or `NO`. */
  readonly is_nullable: string;
  /** `YES` or `NO`. */
  readonly is_identity: string | null;
  readonly column_default: string | null;
}

export interface SchemaComparison {
  /** Schema-qualified tables that exist (and may still conflict). */
  readonly present: readonly string[];
  /** Schema-qualified tables that do not exist (or this login cannot see). */
  readonly missing: readonly string[];
  readonly conflicts: readonly SchemaConflict[];
}

const column = (name: string, type: string, nullable = false): ExpectedColumn => ({ name, type, nullable });

/**
 * How a backend names types, in `normalisedType`'s vocabulary: a catalog type, and a bookkeeping
 * text column of at most `bytes` (Postgres: `text`; Redshift: `varchar(bytes)`).
 */
export interface TypeVocabulary {
  of(type: Column["type"]): string;
  text(bytes: number): string;
}

export const POSTGRES_TYPES: TypeVocabulary = { of: sqlType, text: () => "text" };

/** Byte lengths of the bookkeeping's text columns where a backend needs them (Redshift). */
export const META_TEXT_BYTES = {
  tableName: 128,
  objectKey: 1024,
  etag: 256,
  pipelineId: 1024,
  description: 1024,
  part: 64,
  fingerprint: 64,
} as const;
const BYTES = META_TEXT_BYTES;

/**
 * What the pipeline needs, table by table. The `totes_meta` columns mirror `tablesDdl()`;
 * `ensureSchema` inspects again after running that DDL, so the two cannot drift unnoticed.
 */
export function expectedTables(
  schemas: WarehouseSchemas,
  types: TypeVocabulary = POSTGRES_TYPES,
): ExpectedTable[] {
  const text = (bytes: number) => types.text(bytes);
  const stars = TARGET_TABLES.map((t) => ({
    schema: schemas.stars,
    name: t.name,
    columns: (t.columns as readonly Column[]).map((c) => ({
      name: c.name,
      type: types.of(c.type),
      nullable: c.nullable ?? false,
      ...("recordId" in t && c.name === t.recordId ? { identity: true } : {}),
    })),
  }));
  return [
    ...stars,
    {
      schema: schemas.meta,
      name: "dim_read",
      columns: [
        column("table_name", text(BYTES.tableName)),
        column("natural_id", "integer"),
        ...DIM_VERSION_COLUMNS.map((c) => column(storedVersionColumn(c), "bigint")),
      ],
    },
    {
      schema: schemas.meta,
      name: "dim_read_range",
      columns: [
        column("table_name", text(BYTES.tableName)),
        column("bucket", "integer"),
        column("first_id", "integer"),
        column("last_id", "integer"),
        ...DIM_VERSION_COLUMNS.map((c) => column(storedVersionColumn(c), "bigint")),
      ],
    },
    {
      schema: schemas.meta,
      name: "fact_read",
      columns: [
        column("table_name", text(BYTES.tableName)),
        column("record_id", "integer"),
        column("read_order", "bigint"),
      ],
    },
    {
      schema: schemas.meta,
      name: "fact_read_range",
      columns: [
        column("table_name", text(BYTES.tableName)),
        column("bucket", "integer"),
        column("first_record", "integer"),
        column("last_record", "integer"),
        column("read_order", "bigint"),
      ],
    },
    {
      schema: schemas.meta,
      name: "owner",
      columns: [
        column("pipeline_id", text(BYTES.pipelineId)),
        column("description", text(BYTES.description)),
        column("claimed_at", "timestamptz"),
      ],
    },
    {
      schema: schemas.meta,
      name: "loaded_object",
      columns: [
        column("object_key", text(BYTES.objectKey)),
        column("etag", text(BYTES.etag), true),
        column("table_name", text(BYTES.tableName)),
        column("rows_in", "integer"),
        column("rows_written", "integer"),
        column("loaded_at", "timestamptz"),
      ],
    },
    {
      schema: schemas.meta,
      name: "applied_ddl",
      columns: [
        column("part", text(BYTES.part)),
        column("fingerprint", text(BYTES.fingerprint)),
        column("applied_at", "timestamptz"),
      ],
    },
  ];
}

const num = (v: number | string | null): number | undefined => (v === null ? undefined : Number(v));
/** Postgres's default fractional-second precision is 6: `timestamp` means `timestamp(6)`. */
const withPrecision = (name: string, p: number | undefined) =>
  p === undefined || p === 6 ? name : `${name}(${p})`;

/** The found column's type in `sqlType()`'s vocabulary. */
export function normalisedType(c: FoundColumn): string {
  const length = num(c.character_maximum_length);
  switch (c.data_type) {
    case "numeric": {
      const precision = num(c.numeric_precision);
      return precision === undefined ? "numeric" : `numeric(${precision},${num(c.numeric_scale) ?? 0})`;
    }
    case "character varying":
      return length === undefined ? "varchar" : `varchar(${length})`;
    case "character":
      return `char(${length ?? 1})`;
    case "timestamp without time zone":
      return withPrecision("timestamp", num(c.datetime_precision));
    case "timestamp with time zone":
      return withPrecision("timestamptz", num(c.datetime_precision));
    case "time without time zone":
      return withPrecision("time", num(c.datetime_precision));
    case "time with time zone":
      return withPrecision("timetz", num(c.datetime_precision));
    case "USER-DEFINED":
      return c.udt_name ? quoteIdent(c.udt_name) : c.data_type;
    case "ARRAY":
      return c.udt_name ? `${c.udt_name.replace(/^_/, "")}[]` : c.data_type;
    default:
      return c.data_type;
  }
}

const nullability = (type: string, nullable: boolean) => `${type}${nullable ? " (nullable)" : " NOT NULL"}`;
const hasDefault = (c: FoundColumn) => c.is_identity === "YES" || c.column_default !== null;

/** Compares what the warehouse has with what the pipeline needs; pure, for every backend. */
export function compareSchema(
  expected: readonly ExpectedTable[],
  found: readonly FoundColumn[],
): SchemaComparison {
  const byTable = new Map<string, FoundColumn[]>();
  for (const c of found) {
    const key = `${c.table_schema}.${c.table_name}`;
    byTable.set(key, [...(byTable.get(key) ?? []), c]);
  }
  const present: string[] = [];
  const missing: string[] = [];
  const conflicts: SchemaConflict[] = [];
  for (const table of expected) {
    const key = `${table.schema}.${table.name}`;
    const columns = byTable.get(key);
    if (!columns) {
      missing.push(key);
      continue;
    }
    present.push(key);
    const conflict = (column: string, want: string, got: string) =>
      conflicts.push({ schema: table.schema, table: table.name, column, expected: want, found: got });
    for (const want of table.columns) {
      const got = columns.find((c) => c.column_name === want.name);
      if (!got) {
        conflict(want.name, nullability(want.type, want.nullable), "no such column");
        continue;
      }
      const type = normalisedType(got);
      const nullable = got.is_nullable === "YES";
      if (type !== want.type || nullable !== want.nullable) {
        const differ = nullable !== want.nullable;
        conflict(
          want.name,
          differ ? nullability(want.type, want.nullable) : want.type,
          differ ? nullability(type, nullable) : type,
        );
      } else if (want.identity && !hasDefault(got))
        conflict(want.name, `${want.type} generated as identity`, `${type} with no default`);
    }
    // Extra columns are the owner's business, unless they make every insert fail.
    for (const got of columns)
      if (
        !table.columns.some((c) => c.name === got.column_name) &&
        got.is_nullable === "NO" &&
        !hasDefault(got)
      )
        conflict(got.column_name, "no such column", `${normalisedType(got)} NOT NULL with no default`);
  }
  return { present, missing, conflicts };
}

/** `table.column` for the stars (what analysts call them), `schema.table.column` for the rest. */
export function conflictName(c: SchemaConflict, schemas: WarehouseSchemas): string {
  return `${c.schema === schemas.stars ? "" : `${c.schema}.`}${c.table}.${c.column}`;
}
