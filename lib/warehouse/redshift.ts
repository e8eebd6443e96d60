import { TARGET_TABLES, type TargetTable } from "../catalog/index.js";
import { qualified, quoteIdent } from "../db/identifiers.js";
import { BadObjectError, LoadError, WarehouseSchemaError } from "../errors.js";
import { openParquet } from "../load/parquet-rows.js";
import { calendarRange, type CalendarDay } from "../model/calendar.js";
import { noun } from "../plural.js";
import { DataApiStatementError } from "./data-api/errors.js";
import type { Plan } from "./data-api/plan.js";
import { WarehouseOwnedError, type PipelineIdentity, type WarehouseOwner } from "./ownership.js";
import type { PlannedStatement } from "./plan/statement.js";
import type { RedshiftDataApi } from "./redshift-data-api.js";
import { redshiftPresentationDdl, redshiftTablesDdl } from "./redshift/ddl.js";
import { OWNER_GUARD, planRedshiftLoad } from "./redshift/load-plan.js";
import { presentationFingerprint, presentationPlan } from "./redshift/presentation.js";
import { toNamed } from "./redshift/positional.js";
import { REDSHIFT_TYPES, redshiftDialect } from "./redshift-dialect.js";
import { compareSchema, conflictName, expectedTables, type FoundColumn } from "./schema-check.js";
import { DEFAULT_SCHEMAS, type WarehouseSchemas } from "./schema.js";
import type {
  DanglingReference,
  LoadResult,
  LoadedTable,
  ProcessedObject,
  SchemaReport,
  SqlSession,
  WarehouseStatus,
} from "./types.js";
import type { Warehouse } from "./warehouse.js";

/** What the backend needs of the Data API executor (redshift-data-api.ts): a plan, a query. */
export type DataApiRunner = Pick<RedshiftDataApi, "execute" | "query">;

/** A plan's statements as one Data API batch: `$n` renamed per statement (one name, one value). */
export const toBatch = (statements: readonly PlannedStatement[]): Plan =>
  statements.map((s, i) => toNamed(s.sql, s.params, `s${i}_`));

const sum = (counts: readonly number[], statements: readonly PlannedStatement[], flag: "reads" | "writes") =>
  statements.reduce((n, s, i) => n + (s[flag] ? Math.max(0, counts[i] ?? 0) : 0), 0);

/**
 * Amazon Redshift through the Data API (HTTPS + IAM: no VPC, no password). Every load of one
 * object is one plan (redshift/load-plan.ts) run as one BatchExecuteStatement: Redshift runs it as
 * one transaction, so a load is all or nothing as on Postgres. The object is staged by Redshift's
 * own COPY from S3 (IAM_ROLE default: the namespace's role reads the processed bucket); nothing
 * is decoded here except a calendar object's days (a few KB), whose span the plan must know.
 *
 * What differs from Postgres, and why: no direct-copy fast path (Redshift enforces no unique key,
 * so nothing would refuse a version the warehouse holds); keys deduped by the plan's guards; the
 * owner checked by a guard inside the batch (a batch cannot branch); verify reads statement by
 * statement, without one snapshot (the Data API keeps none across statements).
 */
/**
 * Redshift refused the statement for want of a privilege (`permission denied …`, `must be owner
 * of …`): the Data API reports Redshift's message, not its SQLSTATE.
 */
const isPrivilegeFailure = (error: unknown): boolean =>
  error instanceof DataApiStatementError && /permission denied|must be owner of/i.test(error.redshiftError);

export class RedshiftWarehouse implements Warehouse {
  private schemaReady: Promise<SchemaReport> | undefined;
  readonly schemas: WarehouseSchemas;

  constructor(
    private readonly api: DataApiRunner,
    readonly description: string,
    private readonly options: { schemas?: WarehouseSchemas; copyRole?: string } = {},
  ) {
    this.schemas = options.schemas ?? DEFAULT_SCHEMAS;
  }

  /** Runs statements outside any batch, one Data API call each, `$n` parameters as `:pn`. */
  session(): SqlSession {
    return {
      query: async <R extends object>(sql: string, params?: readonly unknown[]) => {
        const { rows } = await this.api.query(toNamed(sql, params ?? []));
        return { rows: rows as unknown as R[], rowCount: rows.length };
      },
    };
  }

  /** One batch, atomically; the row counts of its statements. */
  private async run(statements: readonly PlannedStatement[]): Promise<readonly number[]> {
    return (await this.api.execute(toBatch(statements))).rowCounts;
  }

  private async inspect() {
    const { rows } = await this.session().query<FoundColumn>(redshiftDialect.inspectColumns(), [
      this.schemas.stars,
      this.schemas.meta,
    ]);
    const comparison = compareSchema(expectedTables(this.schemas, REDSHIFT_TYPES), rows);
    if (comparison.conflicts.length)
      throw new WarehouseSchemaError(
        comparison.conflicts,
        [],
        `warehouse schema does not match the catalog: ${comparison.conflicts
          .map((c) => `${conflictName(c, this.schemas)}: expected ${c.expected}, found ${c.found}`)
          .join("; ")}. Nothing was written; alter or drop ${noun(
          new Set(comparison.conflicts.map((c) => c.table)).size,
          "that table",
          "those tables",
        )} (\`totes warehouse init --dialect redshift --print\` shows the DDL)`,
      );
    return comparison;
  }

  ensureSchema(options: { refresh?: boolean } = {}): Promise<SchemaReport> {
    if (options.refresh) this.schemaReady = undefined;
    this.schemaReady ??= this.prepareSchema(options.refresh === true).catch((error: unknown) => {
      this.schemaReady = undefined;
      throw error;
    });
    return this.schemaReady;
  }

  private fingerprint(): { statements: string[]; fingerprint: string } {
    const statements = redshiftPresentationDdl(this.schemas);
    return { statements, fingerprint: presentationFingerprint(statements) };
  }

  /**
   * As Postgres's: compare, create what is missing (CREATE … IF NOT EXISTS in one batch: Redshift
   * serialises DDL itself), then the views and comments when their fingerprint changed, with
   * their fingerprint in one batch.
   */
  private async prepareSchema(refresh: boolean): Promise<SchemaReport> {
    const before = await this.inspect();
    if (refresh || before.missing.length) {
      await this.run(redshiftTablesDdl(this.schemas).map((sql) => ({ sql, step: "apply" }))).catch(
        (error: unknown) => {
          if (!isPrivilegeFailure(error)) throw error;
          throw new WarehouseSchemaError(
            [],
            before.missing,
            `${before.missing.length ? `warehouse lacks ${before.missing.join(", ")} and this` : "This"} login may not run the schema DDL (${(error as DataApiStatementError).redshiftError}): its owner runs what \`totes warehouse init --dialect redshift --print\` prints (docs/deploy.md)`,
            { cause: error },
          );
        },
      );
      const after = await this.inspect();
      if (after.missing.length)
        throw new WarehouseSchemaError(
          [],
          after.missing,
          `schema DDL left ${after.missing.join(", ")} missing`,
        );
    }
    const { statements, fingerprint } = this.fingerprint();
    const applied = qualified(this.schemas.meta, "applied_ddl");
    const { rows } = await this.session().query<{ fingerprint: string }>(
      `SELECT fingerprint FROM ${applied} WHERE part = 'presentation'`,
    );
    let presentation: SchemaReport["presentation"] = "current";
    if (refresh || rows[0]?.fingerprint !== fingerprint) {
      try {
        // Views, comments and fingerprint in one batch: all or nothing (redshift/presentation.ts).
        await this.run(presentationPlan(this.schemas, statements, fingerprint));
        presentation = "applied";
      } catch (error) {
        // As on Postgres: a login that may not replace them (the DML-only loader deploy.md sets
        // up) leaves them for the owner's next init; analysts read them, loads do not.
        if (refresh || !isPrivilegeFailure(error)) throw error;
        presentation = "stale";
      }
    }
    return { created: [...before.missing], found: [...before.present], presentation };
  }

  private async readOwner(): Promise<WarehouseOwner | undefined> {
    const { rows } = await this.session().query<{ id: string; description: string; at: string }>(
      `SELECT pipeline_id AS id, description,
              TO_CHAR(claimed_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
         FROM ${qualified(this.schemas.meta, "owner")} ORDER BY claimed_at DESC`,
    );
    const row = rows[0];
    return row ? { id: row.id, description: row.description, claimedAt: row.at } : undefined;
  }

  async owner(): Promise<WarehouseOwner | undefined> {
    await this.ensureSchema();
    return this.readOwner();
  }

  /**
   * Claims an unowned warehouse in one batch (its insert guarded by NOT EXISTS under the owner
   * table's lock, so two first loads cannot both claim), or hands it over with `takeOver`.
   */
  async claim(pipeline: PipelineIdentity, options: { takeOver?: boolean } = {}): Promise<WarehouseOwner> {
    await this.ensureSchema();
    const current = await this.readOwner();
    if (current?.id === pipeline.id) return current;
    if (current && !options.takeOver) throw new WarehouseOwnedError(this.description, current, pipeline);
    const owner = qualified(this.schemas.meta, "owner");
    await this.run([
      { sql: `LOCK ${owner}`, step: "lock" },
      ...(options.takeOver ? [{ sql: `DELETE FROM ${owner}`, step: "ledger" as const }] : []),
      {
        sql: `INSERT INTO ${owner} (pipeline_id, description, claimed_at)
              SELECT CAST($1 AS VARCHAR(1024)), CAST($2 AS VARCHAR(1024)), GETDATE()
               WHERE NOT EXISTS (SELECT 1 FROM ${owner})`,
        params: [pipeline.id, pipeline.description],
        step: "ledger",
      },
    ]);
    const now = await this.readOwner();
    if (!now || now.id !== pipeline.id)
      throw new WarehouseOwnedError(this.description, now ?? current!, pipeline);
    return now;
  }

  private async alreadyLoaded(object: ProcessedObject): Promise<boolean> {
    const { rows } = await this.session().query<{ etag: string | null }>(
      `SELECT etag FROM ${qualified(this.schemas.meta, "loaded_object")} WHERE object_key = $1`,
      [object.key],
    );
    return rows.length > 0 && (object.etag === undefined || rows[0]!.etag === object.etag);
  }

  /**
   * The calendar days the stage needs beside the object's so the calendar stays contiguous: those
   * between the object's days and the table's span. The table is contiguous, so only the days
   * outside its span can be missing; the batch's insert skips any another load added meanwhile.
   */
  private async calendarGaps(object: ProcessedObject): Promise<CalendarDay[]> {
    const key = object.table.naturalKey;
    let days: string[] = [];
    try {
      const parquet = await openParquet(object.open());
      for await (const group of parquet.groups([key])) {
        const column = group.columns[parquet.columns.indexOf(key)] ?? [];
        for (let r = 0; r < group.rows; r++) if (column[r] != null) days.push(String(column[r]));
      }
    } catch (error) {
      throw new BadObjectError(object.table.name, object.key, `not a readable calendar: ${String(error)}`, {
        cause: error,
      });
    }
    days = days.sort();
    if (!days.length) return [];
    const { rows } = await this.session().query<{ first: string | null; last: string | null }>(
      `SELECT CAST(min(${quoteIdent(key)}) AS VARCHAR(10)) AS first, CAST(max(${quoteIdent(key)}) AS VARCHAR(10)) AS last
         FROM ${qualified(this.schemas.stars, object.table.name)}`,
    );
    const held = rows[0];
    const first = held?.first && held.first < days[0]! ? held.first : days[0]!;
    const last = held?.last && held.last > days.at(-1)! ? held.last : days.at(-1)!;
    return calendarRange(first, last).filter(
      (d) => !held?.first || !held.last || d.date_id < held.first || d.date_id > held.last,
    );
  }

  async loadObject(
    object: ProcessedObject,
    options: { pipeline?: PipelineIdentity } = {},
  ): Promise<LoadResult> {
    const { table, key } = object;
    await this.ensureSchema();
    if (await this.alreadyLoaded(object))
      return { table: table.name, objectKey: key, rowsIn: 0, rowsWritten: 0, alreadyLoaded: true };
    // The owner is claimed before the batch (a batch cannot branch); the batch's guard refuses
    // the load if it changed since.
    if (options.pipeline) await this.claim(options.pipeline);
    const plan = planRedshiftLoad(
      {
        table,
        bucket: object.bucket,
        key,
        ...(object.etag ? { etag: object.etag } : {}),
        ...(this.options.copyRole ? { copyRole: this.options.copyRole } : {}),
        ...(options.pipeline ? { pipelineId: options.pipeline.id } : {}),
        ...(table.kind === "calendar" ? { calendarDays: await this.calendarGaps(object) } : {}),
      },
      this.schemas,
    );
    try {
      const counts = await this.run(plan);
      return {
        table: table.name,
        objectKey: key,
        rowsIn: sum(counts, plan, "reads"),
        rowsWritten: sum(counts, plan, "writes"),
        alreadyLoaded: false,
      };
    } catch (error) {
      if (
        error instanceof DataApiStatementError &&
        error.redshiftError.includes(OWNER_GUARD) &&
        options.pipeline
      ) {
        const owner = await this.readOwner();
        if (owner) throw new WarehouseOwnedError(this.description, owner, options.pipeline);
      }
      if (
        error instanceof DataApiStatementError &&
        /15007|Unmatched number of columns/i.test(error.redshiftError)
      )
        throw new BadObjectError(
          table.name,
          key,
          `its columns are not the ${table.name} stage's: ${error.redshiftError}`,
          {
            cause: error,
          },
        );
      throw new LoadError(table.name, key, error instanceof Error ? error.message : String(error), {
        cause: error,
      });
    }
  }

  async status(): Promise<WarehouseStatus> {
    const db = this.session();
    const { rows: present } = await db.query<{ table_schema: string; table_name: string }>(
      "SELECT table_schema, table_name FROM svv_tables WHERE table_schema IN ($1, $2)",
      [this.schemas.stars, this.schemas.meta],
    );
    const exists = (schema: string, name: string) =>
      present.some((r) => r.table_schema === schema && r.table_name === name);
    const tables: { table: string; rows: number | null }[] = [];
    for (const t of TARGET_TABLES) {
      const rows = exists(this.schemas.stars, t.name)
        ? Number(
            (
              await db.query<{ n: number }>(
                `SELECT CAST(count(*) AS INTEGER) AS n FROM ${qualified(this.schemas.stars, t.name)}`,
              )
            ).rows[0]?.n ?? 0,
          )
        : null;
      tables.push({ table: t.name, rows });
    }
    if (!exists(this.schemas.meta, "loaded_object"))
      return { url: this.description, tables, objectsLoaded: 0 };
    const { rows } = await db.query<{ n: number; last: string | null }>(
      `SELECT CAST(count(*) AS INTEGER) AS n, TO_CHAR(max(loaded_at), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last
         FROM ${qualified(this.schemas.meta, "loaded_object")}`,
    );
    return {
      url: this.description,
      tables,
      objectsLoaded: Number(rows[0]?.n ?? 0),
      ...(rows[0]?.last ? { lastLoadedAt: rows[0].last } : {}),
    };
  }

  async loadedSince(since: Date): Promise<LoadedTable[]> {
    const { rows } = await this.session().query<LoadedTable>(
      `SELECT table_name AS "table", CAST(count(*) AS INTEGER) AS objects, CAST(sum(rows_in) AS INTEGER) AS "rowsIn",
              CAST(sum(rows_written) AS INTEGER) AS "rowsWritten"
         FROM ${qualified(this.schemas.meta, "loaded_object")} WHERE loaded_at >= CAST($1 AS TIMESTAMPTZ)
        GROUP BY table_name ORDER BY table_name`,
      [since.toISOString()],
    );
    return rows.map((r) => ({
      ...r,
      objects: Number(r.objects),
      rowsIn: Number(r.rowsIn),
      rowsWritten: Number(r.rowsWritten),
    }));
  }

  /**
   * The Data API keeps no snapshot across statements: verify's queries each see the warehouse as
   * it is when they run. Run verify while no load runs (or run it again) on Redshift.
   */
  readSnapshot<T>(work: (db: SqlSession) => Promise<T>): Promise<T> {
    return work(this.session());
  }

  async checkReferences(tables: readonly TargetTable[] = TARGET_TABLES): Promise<DanglingReference[]> {
    const found: DanglingReference[] = [];
    for (const statement of redshiftDialect.referenceChecks(this.schemas, tables)) {
      const { rows } = await this.session().query<{ n: number }>(statement.sql);
      const n = Number(rows[0]?.n ?? 0);
      if (n > 0) found.push({ ...statement.reference, rows: n });
    }
    return found;
  }

  /** As Postgres's, with the keys as parameters of an IN list (Redshift has no arrays), 100 at a time. */
  async loadedObjects(keys: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (let i = 0; i < keys.length; i += 100) {
      const chunk = keys.slice(i, i + 100);
      const { rows } = await this.session().query<{ key: string; at: string }>(
        `SELECT object_key AS key, TO_CHAR(loaded_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
           FROM ${qualified(this.schemas.meta, "loaded_object")} WHERE object_key IN (${chunk.map((_, j) => `$${j + 1}`).join(", ")})`,
        chunk,
      );
      for (const r of rows) found.set(r.key, r.at);
    }
    return found;
  }

  async dimNaturalIds(table: TargetTable): Promise<number[]> {
    if (table.kind !== "dim") throw new Error(`${table.name} is not a dim`);
    const key = quoteIdent(table.naturalKey);
    const { rows } = await this.session().query<{ id: number }>(
      `SELECT ${key} AS id FROM ${qualified(this.schemas.stars, table.name)}`,
    );
    return rows.map((r) => Number(r.id));
  }

  async deleteDimRows(table: TargetTable, ids: readonly number[]): Promise<number> {
    if (table.kind !== "dim") throw new Error(`${table.name} is not a dim`);
    const target = qualified(this.schemas.stars, table.name);
    let deleted = 0;
    for (let i = 0; i < ids.length; i += 1_000) {
      const chunk = ids.slice(i, i + 1_000).map((id) => Math.trunc(Number(id)));
      const [, n] = await this.run([
        { sql: `LOCK ${target}`, step: "lock" },
        {
          // Whole numbers written into the SQL: at most 1,000 a statement, well within 100 KB.
          sql: `DELETE FROM ${target} WHERE ${quoteIdent(table.naturalKey)} IN (${chunk.join(", ")})`,
          step: "apply",
        },
      ]);
      deleted += n ?? 0;
    }
    return deleted;
  }

  /** Nothing to release: the Data API holds no connection. */
  async close(): Promise<void> {}
}
