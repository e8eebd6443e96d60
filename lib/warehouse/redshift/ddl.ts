import { TARGET_TABLES, type TargetTable } from "../../catalog/index.js";
import { qualified, quoteIdent } from "../../db/identifiers.js";
import { DIM_VERSION_COLUMNS, storedVersionColumn } from "../../pipeline/dim-versions.js";
import { commentsDdl } from "../comments.js";
import { META_TEXT_BYTES } from "../schema-check.js";
import type { WarehouseSchemas } from "../schema.js";
import { currentViewsDdl } from "../views.js";
import { redshiftType } from "./types.js";

/**
 * Byte lengths of the bookkeeping's text columns on Redshift (VARCHAR lengths count bytes): S3
 * keys may be 1,024 bytes; table names are catalog names; a fingerprint is a sha256 in hex.
 */
export const META_VARCHAR = META_TEXT_BYTES;

const v = (bytes: number) => `VARCHAR(${bytes})`;

/**
 * A star table on Redshift. Keys are declared (the planner uses them; BI tools show them) but
 * Redshift enforces none: every load dedupes explicitly (guards in load-plan.ts). The record id
 * is `IDENTITY(1,1)`, which Redshift requires to have its seed and step.
 */
function tableDdl(schema: string, table: TargetTable): string {
  const columns = table.columns.map((c) => {
    if (c.name === table.recordId) return `${quoteIdent(c.name)} INTEGER IDENTITY(1,1) NOT NULL PRIMARY KEY`;
    const key = c.name === table.naturalKey && table.kind !== "fact" ? " PRIMARY KEY" : "";
    return `${quoteIdent(c.name)} ${redshiftType(c.type).toUpperCase()}${c.nullable ? "" : " NOT NULL"}${key}`;
  });
  if (table.kind === "fact")
    columns.push(`UNIQUE (${[table.naturalKey, ...(table.versionKey ?? [])].map(quoteIdent).join(", ")})`);
  return `CREATE TABLE IF NOT EXISTS ${qualified(schema, table.name)} (\n  ${columns.join(",\n  ")}\n)`;
}

/** The schemas and tables, as `schema.ts`'s `tablesDdl` for Postgres, in Redshift's types. */
export function redshiftTablesDdl(schemas: WarehouseSchemas): string[] {
  const meta = schemas.meta;
  const m = META_VARCHAR;
  return [
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schemas.stars)}`,
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(meta)}`,
    ...TARGET_TABLES.map((t) => tableDdl(schemas.stars, t)),
    `CREATE TABLE IF NOT EXISTS ${qualified(meta, "dim_read")} (
       table_name ${v(m.tableName)} NOT NULL, natural_id INTEGER NOT NULL,
       ${DIM_VERSION_COLUMNS.map((c) => `${storedVersionColumn(c)} BIGINT NOT NULL`).join(", ")},
       PRIMARY KEY (table_name, natural_id))`,
    // Written only by Postgres's straight copy; the stale check reads it on both.
    `CREATE TABLE IF NOT EXISTS ${qualified(meta, "dim_read_range")} (
       table_name ${v(m.tableName)} NOT NULL, bucket INTEGER NOT NULL, first_id INTEGER NOT NULL,
       last_id INTEGER NOT NULL,
       ${DIM_VERSION_COLUMNS.map((c) => `${storedVersionColumn(c)} BIGINT NOT NULL`).join(", ")},
       PRIMARY KEY (table_name, bucket, first_id))`,
    `CREATE TABLE IF NOT EXISTS ${qualified(meta, "fact_read")} (
       table_name ${v(m.tableName)} NOT NULL, record_id INTEGER NOT NULL, read_order BIGINT NOT NULL,
       PRIMARY KEY (table_name, record_id))`,
    // Written only by Postgres's straight copy; the views and the stale check read it on both.
    `CREATE TABLE IF NOT EXISTS ${qualified(meta, "fact_read_range")} (
       table_name ${v(m.tableName)} NOT NULL, bucket INTEGER NOT NULL, first_record INTEGER NOT NULL,
       last_record INTEGER NOT NULL, read_order BIGINT NOT NULL,
       PRIMARY KEY (table_name, bucket, first_record))`,
    `CREATE TABLE IF NOT EXISTS ${qualified(meta, "owner")} (
       pipeline_id ${v(m.pipelineId)} NOT NULL PRIMARY KEY, description ${v(m.description)} NOT NULL,
       claimed_at TIMESTAMPTZ NOT NULL DEFAULT GETDATE())`,
    `CREATE TABLE IF NOT EXISTS ${qualified(meta, "loaded_object")} (
       object_key ${v(m.objectKey)} NOT NULL PRIMARY KEY, etag ${v(m.etag)}, table_name ${v(m.tableName)} NOT NULL,
       rows_in INTEGER NOT NULL, rows_written INTEGER NOT NULL, loaded_at TIMESTAMPTZ NOT NULL DEFAULT GETDATE())`,
    `CREATE TABLE IF NOT EXISTS ${qualified(meta, "applied_ddl")} (
       part ${v(m.part)} NOT NULL PRIMARY KEY, fingerprint ${v(m.fingerprint)} NOT NULL,
       applied_at TIMESTAMPTZ NOT NULL DEFAULT GETDATE())`,
  ];
}

/**
 * The views and comments: the same SQL as Postgres's (views.ts uses ROW_NUMBER, not DISTINCT
 * ON; comments are plain COMMENT ON), checked by the grammar gate.
 */
export const redshiftPresentationDdl = (schemas: WarehouseSchemas): string[] => [
  ...currentViewsDdl(schemas),
  ...commentsDdl(schemas.stars),
];

/**
 * What the owner grants the IAM-derived database users of the load and verify functions (the
 * Data API with temporary credentials names them `IAMR:<role name>`): `user` is that name.
 */
export function redshiftGrants(schemas: WarehouseSchemas, database: string, user: string): string[] {
  const who = quoteIdent(user);
  return [
    `GRANT USAGE ON SCHEMA ${quoteIdent(schemas.stars)} TO ${who}`,
    `GRANT USAGE ON SCHEMA ${quoteIdent(schemas.meta)} TO ${who}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${quoteIdent(schemas.stars)} TO ${who}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${quoteIdent(schemas.meta)} TO ${who}`,
    // The stage of every load is a temp table.
    `GRANT TEMP ON DATABASE ${quoteIdent(database)} TO ${who}`,
  ];
}
