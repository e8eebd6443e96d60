import { loadedColumns, type TargetTable } from "../catalog/index.js";
import { qualified, quoteIdent } from "../db/identifiers.js";
import type { TypeVocabulary } from "./schema-check.js";
import type { WarehouseSchemas } from "./schema.js";
import type { DanglingReference } from "./types.js";
import { redshiftType } from "./redshift/types.js";

/** A reference check: the SQL counting the rows of `reference` that point at no dim row. */
export interface ReferenceCheck {
  readonly sql: string;
  readonly reference: Omit<DanglingReference, "rows">;
}

/** Redshift's names for types, as `svv_columns` reports them (the schema check's vocabulary). */
export const REDSHIFT_TYPES: TypeVocabulary = { of: redshiftType, text: (bytes) => `varchar(${bytes})` };

/**
 * The statements of the Redshift backend that are not a load's plan (redshift/load-plan.ts) nor
 * its DDL (redshift/ddl.ts): the schema check and the reference checks.
 */
export const redshiftDialect = {
  /**
   * The columns of every table in the stars' and bookkeeping schemas ($1, $2), in
   * `information_schema.columns`'s shape. `svv_columns`, not `svv_table_info` (superuser-only,
   * and it omits empty tables); it has no identity flag or type name: an identity column shows
   * as a default (`"identity"(…)`), which the comparison accepts.
   */
  inspectColumns: () =>
    `SELECT table_schema, table_name, column_name, data_type, CAST(NULL AS VARCHAR(128)) AS udt_name,
            character_maximum_length, numeric_precision, numeric_scale, datetime_precision, is_nullable,
            CAST(NULL AS VARCHAR(3)) AS is_identity, column_default
       FROM svv_columns
      WHERE table_schema IN ($1, $2)
      ORDER BY table_schema, table_name, ordinal_position`,
  referenceChecks(schemas: WarehouseSchemas, tables: readonly TargetTable[]): ReferenceCheck[] {
    return tables.flatMap((table) =>
      loadedColumns(table).flatMap((column) => {
        if (!column.references) return [];
        const { table: dim, column: key } = column.references;
        return [
          {
            sql: `SELECT CAST(count(*) AS INTEGER) AS n FROM ${qualified(schemas.stars, table.name)} f
                   WHERE f.${quoteIdent(column.name)} IS NOT NULL AND NOT EXISTS (
                     SELECT 1 FROM ${qualified(schemas.stars, dim)} d WHERE d.${quoteIdent(key)} = f.${quoteIdent(column.name)})`,
            reference: { table: table.name, column: column.name, references: `${dim}.${key}` },
          },
        ];
      }),
    );
  },
} as const;
