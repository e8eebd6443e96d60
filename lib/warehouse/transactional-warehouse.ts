import { createHash } from "node:crypto";
import { TARGET_TABLES, loadedColumns, type TargetTable } from "../catalog/index.js";
import type { CopyField } from "../db/copy-csv.js";
import { qualified, quoteIdent } from "../db/identifiers.js";
import { BadObjectError, LoadError, WarehouseSchemaError } from "../errors.js";
import { noun } from "../plural.js";
import { calendarDays } from "../model/calendar.js";
import { READ_ORDER } from "../pipeline/read-order.js";
import { DIM_VERSION_COLUMNS, storedVersionColumn } from "../pipeline/dim-versions.js";
import {
  RANGE_MIN_ROWS,
  STAGE,
  dimRangesInsert,
  dimReadsHeld,
  dimReadsInsert,
  factRangesAbove,
  factRecordIdsFrom,
  factRecordIdsTo,
  factTopRecord,
  factVersionsAbove,
  factVersionsForget,
} from "./apply-sql.js";
import { planApply } from "./plan/apply-plan.js";
import { IdRuns, OneValue, type IdRun } from "./column-watch.js";
import type { SqlDialect } from "./dialect.js";
import type { Warehouse } from "./warehouse.js";
import {
  stagedColumns,
  type CopiedRows,
  type CopyColumn,
  type CopyOptions,
  type DanglingReference,
  type LoadResult,
  type LoadedTable,
  type ProcessedObject,
  type SchemaReport,
  type SqlSession,
  type WarehouseStatus,
} from "./types.js";

import { DEFAULT_SCHEMAS, presentationDdl, tablesDdl, type WarehouseSchemas } from "./schema.js";
import { upgradeStatements } from "./upgrade.js";
import { WarehouseOwnedError, type PipelineIdentity, type WarehouseOwner } from "./ownership.js";
import {
  compareSchema,
  conflictName,
  expectedTables,
  type FoundColumn,
  type SchemaComparison,
} from "./schema-check.js";

/**
 * How long schema work waits for a lock before giving up: DDL must never queue behind an
 * analyst's open transaction (every later reader of the table would queue behind the DDL).
 */
export const DDL_LOCK_TIMEOUT_SECONDS = 5;

/** SQLSTATE 55P03: a lock was not granted within the lock timeout. */
const isLockTimeout = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === "55P03";

interface LoadCounts {
  readonly rowsIn: number;
  readonly rowsWritten: number;
}

const DIRECT = "totes_direct_load";

/** Every id of a run. */
const idsOf = (run: IdRun): number[] =>
  Array.from({ length: run.last - run.first + 1 }, (_, i) => run.first + i);

/** SQLSTATE 23505: a unique key refused a row. */
const isUniqueViolation = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === "23505";

/** `permission denied` / `must be owner of …` (SQLSTATE 42501, Postgres and Redshift alike). */
const isPrivilegeError = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === "42501";

/**
 * How a backend with interactive transactions runs the port (Postgres). The public methods orchestrate and hold every
 * guarantee (idempotent, version-guarded, one transaction per object); a backend fills in
 * how to talk to its database (`session`, `transaction`), how an object's rows reach a
 * table (`copyObject`, `stageRows`) and its SQL dialect. Postgres is `PostgresWarehouse`.
 */
export abstract class TransactionalWarehouse<Tx extends SqlSession = SqlSession> implements Warehouse {
  private schemaReady: Promise<SchemaReport> | undefined;

  protected constructor(
    /** The warehouse's URL with its password masked, for messages. */
    readonly description: string,
    readonly schemas: WarehouseSchemas = DEFAULT_SCHEMAS,
  ) {}

  protected abstract readonly dialect: SqlDialect;
  /** Runs statements outside any transaction. */
  protected abstract session(): SqlSession;
  /** One transaction: committed when `work` resolves, rolled back when it throws. */
  protected abstract transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Copies the object's rows into `into` (the stage, or a table the load writes straight
   * into): the `columns` given, in that order, each from an object column (which it must
   * have, else `BadObjectError`) or one fixed value (see `CopyOptions`).
   */
  protected abstract copyObject(
    tx: Tx,
    object: ProcessedObject,
    into: string,
    columns: readonly CopyColumn[],
    options?: CopyOptions,
  ): Promise<CopiedRows>;
  /** Adds rows the pipeline made itself (calendar days) to the stage table. */
  protected abstract stageRows(
    tx: Tx,
    columns: readonly string[],
    rows: readonly (readonly CopyField[])[],
  ): Promise<void>;
  abstract close(): Promise<void>;

  /**
   * Before the first load of a process: compares the warehouse with the catalog and refuses
   * (`WarehouseSchemaError`, naming table, column, expected and found type) a table that does
   * not match, whichever table the load is for, before any row is written. When everything
   * is there it runs no DDL, so a login with DML rights only can load a warehouse its owner
   * prepared with `totes warehouse init`; when something is missing it creates it. Once per
   * process (a failure is not kept: a fixed warehouse is checked again), safe concurrently.
   *
   * The views and comments are (re)applied when the catalog's version of them differs from
   * the one the warehouse last applied, or always with `refresh` (`totes warehouse init`,
   * which also reruns the tables' DDL): replacing a view waits for every query reading it,
   * which a load should not do for nothing. A login that may not replace them (a DML-only
   * loader) leaves them for the owner's next `init`: analysts read them, loads do not.
   */
  ensureSchema(options: { refresh?: boolean } = {}): Promise<SchemaReport> {
    if (options.refresh) this.schemaReady = undefined;
    this.schemaReady ??= this.prepareSchema(options.refresh === true).catch((error: unknown) => {
      this.schemaReady = undefined;
      throw error;
    });
    return this.schemaReady;
  }

  private async inspectSchema(db: SqlSession): Promise<SchemaComparison & { found: FoundColumn[] }> {
    const { rows } = await db.query<FoundColumn>(this.dialect.inspectColumns(), [
      this.schemas.stars,
      this.schemas.meta,
    ]);
    const comparison = { ...compareSchema(expectedTables(this.schemas), rows), found: rows };
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
        )} (\`totes warehouse init --print\` shows the DDL)`,
      );
    return comparison;
  }

  private async prepareSchema(refresh: boolean): Promise<SchemaReport> {
    const before = await this.inspectSchema(this.session());
    if (!refresh && !before.missing.length && (await this.presentationCurrent(this.session())))
      return { created: [], found: [...before.present], presentation: "current" };
    let tables: SchemaComparison;
    try {
      tables = await this.transaction(async (tx) => {
        // Concurrent CREATE … IF NOT EXISTS can still collide in the catalog: serialise.
        await this.lockDdl(tx);
        // Another process may have created what was missing while this one waited.
        const now = await this.inspectSchema(tx);
        if (!refresh && !now.missing.length) return now;
        // One round trip: each is a no-op once its object exists, and all are in one transaction.
        await tx.query(tablesDdl(this.schemas).join(";\n"));
        // Bookkeeping of an earlier version moves into today's tables (upgrade.ts).
        for (const statement of upgradeStatements(this.schemas, now.found)) await tx.query(statement);
        const after = await this.inspectSchema(tx);
        if (after.missing.length)
          throw new WarehouseSchemaError(
            [],
            after.missing,
            `schema DDL left ${after.missing.join(", ")} missing`,
          );
        return now;
      });
    } catch (error) {
      if (isLockTimeout(error))
        throw new WarehouseSchemaError(
          [],
          before.missing,
          `the schema DDL waited ${DDL_LOCK_TIMEOUT_SECONDS} s for a lock another session holds (an open transaction reading the warehouse?) and gave up; nothing was changed. Run again when that session ends`,
          { cause: error },
        );
      if (!isPrivilegeError(error)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new WarehouseSchemaError(
        [],
        before.missing,
        before.missing.length
          ? `warehouse lacks ${before.missing.join(", ")} (or this login has no privileges on them) and this login may not create them (${reason}); run \`totes warehouse init\` as the warehouse's owner (docs/security.md)`
          : `this login may not run the schema DDL (${reason}): run \`totes warehouse init\` as the warehouse's owner (docs/security.md)`,
        { cause: error },
      );
    }
    let presentation: SchemaReport["presentation"];
    try {
      presentation = await this.transaction(async (tx) => {
        await this.lockDdl(tx);
        return (await this.applyPresentation(tx, refresh)) ? "applied" : "current";
      });
    } catch (error) {
      if (isLockTimeout(error) && !refresh) presentation = "deferred";
      else if (isLockTimeout(error))
        throw new WarehouseSchemaError(
          [],
          [],
          `the views and comments could not be replaced: a session reading them held its lock past ${DDL_LOCK_TIMEOUT_SECONDS} s (an open transaction?). Run again when it ends`,
          { cause: error },
        );
      else if (refresh || !isPrivilegeError(error)) throw error;
      else presentation = "stale";
    }
    return { created: [...tables.missing], found: [...tables.present], presentation };
  }

  private async lockDdl(tx: Tx): Promise<void> {
    const timeout = this.dialect.lockTimeout(DDL_LOCK_TIMEOUT_SECONDS);
    if (timeout) await tx.query(timeout);
    const lock = this.dialect.ddlLock();
    if (lock) await tx.query(lock);
  }

  private presentationFingerprint(): { statements: string[]; fingerprint: string } {
    const statements = presentationDdl(this.schemas);
    return { statements, fingerprint: createHash("sha256").update(statements.join(";\n")).digest("hex") };
  }

  private async presentationCurrent(db: SqlSession): Promise<boolean> {
    const { rows } = await db.query<{ fingerprint: string }>(
      `SELECT fingerprint FROM ${qualified(this.schemas.meta, "applied_ddl")} WHERE part = 'presentation'`,
    );
    return rows[0]?.fingerprint === this.presentationFingerprint().fingerprint;
  }

  /** Applies the views and comments unless the warehouse has this version of them; true if it did. */
  private async applyPresentation(tx: Tx, always: boolean): Promise<boolean> {
    const { statements, fingerprint } = this.presentationFingerprint();
    if (!always && (await this.presentationCurrent(tx))) return false;
    await tx.query(statements.join(";\n"));
    await tx.query(
      `MERGE INTO ${qualified(this.schemas.meta, "applied_ddl")} a USING (SELECT 'presentation' AS part) n ON a.part = n.part
        WHEN MATCHED THEN UPDATE SET fingerprint = $1, applied_at = now()
        WHEN NOT MATCHED THEN INSERT (part, fingerprint) VALUES ('presentation', $1)`,
      [fingerprint],
    );
    return true;
  }

  private ledger(): string {
    return qualified(this.schemas.meta, "loaded_object");
  }

  private ownerTable(): string {
    return qualified(this.schemas.meta, "owner");
  }

  private async readOwner(db: SqlSession): Promise<WarehouseOwner | undefined> {
    const { rows } = await db.query<{ id: string; description: string; at: string }>(
      `SELECT pipeline_id AS id, description,
              to_char(claimed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
         FROM ${this.ownerTable()} ORDER BY claimed_at DESC`,
    );
    const row = rows[0];
    return row ? { id: row.id, description: row.description, claimedAt: row.at } : undefined;
  }

  /** The pipeline that loads this warehouse; undefined before its first load. */
  async owner(): Promise<WarehouseOwner | undefined> {
    await this.ensureSchema();
    return this.readOwner(this.session());
  }

  /**
   * Makes `pipeline` the one that loads this warehouse, in `tx`: claims an unowned warehouse;
   * passes for its owner; refuses any other (`WarehouseOwnedError`) unless `takeOver` (a
   * deliberate hand-over). Under the owner table's lock, so two first loads cannot both claim.
   */
  private async claimIn(
    tx: SqlSession,
    pipeline: PipelineIdentity,
    takeOver: boolean,
  ): Promise<WarehouseOwner> {
    const owner = await this.readOwner(tx);
    if (owner?.id === pipeline.id) return owner;
    if (owner && !takeOver) throw new WarehouseOwnedError(this.description, owner, pipeline);
    await tx.query(this.dialect.lockTable(this.ownerTable()));
    const now = await this.readOwner(tx);
    if (now?.id === pipeline.id) return now;
    if (now && !takeOver) throw new WarehouseOwnedError(this.description, now, pipeline);
    await tx.query(`DELETE FROM ${this.ownerTable()}`);
    await tx.query(`INSERT INTO ${this.ownerTable()} (pipeline_id, description) VALUES ($1, $2)`, [
      pipeline.id,
      pipeline.description,
    ]);
    return (await this.readOwner(tx))!;
  }

  /**
   * `claimIn` in a transaction of its own: what a run checks before it extracts anything, and
   * what `totes warehouse claim` does with `takeOver`.
   */
  async claim(pipeline: PipelineIdentity, options: { takeOver?: boolean } = {}): Promise<WarehouseOwner> {
    await this.ensureSchema();
    return this.transaction((tx) => this.claimIn(tx, pipeline, options.takeOver === true));
  }

  private async alreadyLoaded(object: ProcessedObject): Promise<boolean> {
    const { rows } = await this.session().query<{ etag: string | null }>(
      `SELECT etag FROM ${this.ledger()} WHERE object_key = $1`,
      [object.key],
    );
    return rows.length > 0 && (object.etag === undefined || rows[0]!.etag === object.etag);
  }

  /**
   * Loads one processed object into its table, in one transaction: ledger check, owner check
   * (with `pipeline`: a warehouse another pipeline owns refuses the load), table lock, stage,
   * apply, ledger. Idempotent and order-insensitive: facts add each source version
   * once, and a later read of it corrects it in place; dims take a row only if it is newer
   * than the version the warehouse holds.
   */
  async loadObject(
    object: ProcessedObject,
    options: { pipeline?: PipelineIdentity } = {},
  ): Promise<LoadResult> {
    const { table, key } = object;
    await this.ensureSchema();
    if (await this.alreadyLoaded(object))
      return { table: table.name, objectKey: key, rowsIn: 0, rowsWritten: 0, alreadyLoaded: true };
    const target = qualified(this.schemas.stars, table.name);
    try {
      return await this.transaction(async (tx) => {
        // Only the pipeline that owns the warehouse loads it (ownership.ts).
        if (options.pipeline) await this.claimIn(tx, options.pipeline, false);
        // Loads of one table serialise; different tables load in parallel.
        await tx.query(this.dialect.lockTable(target));
        const { rowsIn, rowsWritten } =
          (table.kind === "fact"
            ? await this.directFactLoad(tx, object)
            : table.kind === "dim"
              ? await this.directDimLoad(tx, object)
              : await this.directCalendarLoad(tx, object)) ?? (await this.stagedLoad(tx, object));
        await tx.query(
          `MERGE INTO ${this.ledger()} l
            USING (SELECT $1::text AS object_key) n ON l.object_key = n.object_key
            WHEN MATCHED THEN UPDATE SET etag = $2, rows_in = $4, rows_written = $5, loaded_at = now()
            WHEN NOT MATCHED THEN INSERT (object_key, etag, table_name, rows_in, rows_written) VALUES ($1, $2, $3, $4, $5)`,
          [key, object.etag ?? null, table.name, rowsIn, rowsWritten],
        );
        return { table: table.name, objectKey: key, rowsIn, rowsWritten, alreadyLoaded: false };
      });
    } catch (error) {
      if (error instanceof BadObjectError || error instanceof WarehouseOwnedError) throw error;
      throw new LoadError(table.name, key, error instanceof Error ? error.message : String(error), {
        cause: error,
      });
    }
  }

  /** The general path: the object into a stage table, then into its table by its kind's rule. */
  private async stagedLoad(tx: Tx, object: ProcessedObject): Promise<LoadCounts> {
    const columns = stagedColumns(object.table);
    await tx.query(this.dialect.createStage(STAGE, columns));
    const { rows } = await this.copyObject(
      tx,
      object,
      quoteIdent(STAGE),
      columns.map((c) => c.name),
    );
    return { rowsIn: rows, rowsWritten: await this.apply(tx, object) };
  }

  /**
   * Copies the object straight into its star table (`leading` columns first, then the
   * catalog's loaded columns) under a savepoint; undefined (and rolled back) when a unique key
   * refused a row, i.e. the warehouse already holds one of the object's versions.
   */
  private async copyStraightIn(
    tx: Tx,
    object: ProcessedObject,
    options: CopyOptions,
    leading: readonly CopyColumn[] = [],
  ): Promise<CopiedRows | undefined> {
    const { table } = object;
    const columns = [...leading, ...loadedColumns(table).map((c) => c.name)];
    await tx.query(`SAVEPOINT ${DIRECT}`);
    try {
      return await this.copyObject(tx, object, qualified(this.schemas.stars, table.name), columns, options);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      await tx.query(`ROLLBACK TO SAVEPOINT ${DIRECT}`);
      return undefined;
    }
  }

  /**
   * Facts, straight into the table, when the warehouse holds none of the object's versions:
   * every load but a correction or a re-read (a repeat of the same object stops at the
   * ledger). Then there is nothing to guard against, so the rows are copied into the fact
   * with no stage, no stale-version or correction pass and no probe, and each new row's
   * read is recorded from the object's one read order. Whether a version is held is the
   * fact's unique `(id, version)` key's to say: on a refusal, or rows with more than one read
   * order (an extract writes one per object), the copy is rolled back and the
   * general path runs. Only where the dialect enforces unique keys (Postgres; on Redshift,
   * which only declares them, facts always stage). Undefined when it did not apply.
   */
  private async directFactLoad(tx: Tx, object: ProcessedObject): Promise<LoadCounts | undefined> {
    if (!this.dialect.enforcesUniqueKeys) return undefined;
    const { table } = object;
    const { rows } = await tx.query<{ top: number | null }>(factTopRecord(table, this.schemas));
    const top = rows[0]?.top ?? null;
    // The record ids written here, not drawn from the identity row by row (a sequence call per
    // row was a tenth of a large copy's time): under the load lock no one else inserts. A login
    // that may not move the identity on afterwards leaves them to it.
    const { rows: next } = await tx.query<{ first: string | null }>(factRecordIdsFrom(table, this.schemas));
    const first = next[0]?.first == null ? undefined : Number(next[0].first);
    const reads = new OneValue(READ_ORDER);
    const copied = await this.copyStraightIn(
      tx,
      object,
      { watches: [reads], intoEmpty: top === null },
      first === undefined ? [] : [{ into: table.recordId!, counting: first }],
    );
    if (!copied) return undefined;
    if (first !== undefined && copied.rows > 0) await tx.query(factRecordIdsTo(table, this.schemas));
    const readOrder = reads.value;
    if (copied.rows > 0 && readOrder === undefined) {
      await tx.query(`ROLLBACK TO SAVEPOINT ${DIRECT}`);
      return undefined;
    }
    // Versions recorded for the rows of an emptied table point at nothing now.
    if (top === null) for (const sql of factVersionsForget(this.schemas)) await tx.query(sql, [table.name]);
    // Under the load lock the identity only grows: the rows copied are those above `top`.
    if (copied.rows > 0)
      await tx.query(
        copied.rows >= RANGE_MIN_ROWS
          ? factRangesAbove(table, this.schemas)
          : factVersionsAbove(table, this.schemas),
        [table.name, readOrder, top ?? 0],
      );
    await tx.query(`RELEASE SAVEPOINT ${DIRECT}`);
    return { rowsIn: copied.rows, rowsWritten: copied.rows };
  }

  /**
   * Dims, straight into the dim, when the warehouse has neither a row nor a recorded version
   * of any of the object's ids (a first load, or the new ids of a later part). The dim's key
   * refuses an id it holds; then the object's ids (seen as they were copied) are looked up in
   * the recorded reads, and any found sends the object down the general path too (always
   * where the dialect does not enforce keys). An object with one id twice fails on the keys in
   * the general path. The reads are recorded as `recordDimReads` says.
   */
  private async directDimLoad(tx: Tx, object: ProcessedObject): Promise<LoadCounts | undefined> {
    if (!this.dialect.enforcesUniqueKeys) return undefined;
    const { table } = object;
    const ids = new IdRuns(table.naturalKey);
    const versions = DIM_VERSION_COLUMNS.map((c) => new OneValue(c));
    const target = qualified(this.schemas.stars, table.name);
    const { rows } = await tx.query<{ empty: boolean }>(
      `SELECT NOT EXISTS (SELECT 1 FROM ${target}) AS empty`,
    );
    const copied = await this.copyStraightIn(tx, object, {
      watches: [ids, ...versions],
      intoEmpty: rows[0]?.empty === true,
    });
    if (!copied) return undefined;
    const runs = ids.runs();
    const held =
      !runs ||
      (runs.length > 0 &&
        (
          await tx.query<{ held: boolean }>(dimReadsHeld(this.schemas), [
            table.name,
            runs.map((r) => r.first),
            runs.map((r) => r.last),
          ])
        ).rows[0]?.held === true);
    if (held) {
      await tx.query(`ROLLBACK TO SAVEPOINT ${DIRECT}`);
      return undefined;
    }
    await this.recordDimReads(tx, object, runs, versions);
    await tx.query(`RELEASE SAVEPOINT ${DIRECT}`);
    return { rowsIn: copied.rows, rowsWritten: copied.rows };
  }

  /**
   * The calendar without a stage, where the general path would add exactly what this does: its
   * rows are immutable, each made from its day, and the general path inserts the days missing
   * from a contiguous span. Into an empty table, or a gapless one, the object is copied straight
   * in, only its days outside the table's span written (`COPY … WHERE`; none when the span holds
   * them all, the usual case: every run writes one calendar object per fact source). Its days
   * are seen on the way: unless they are one run that meets or overlaps the span, or one is
   * there twice (the key refuses it), the copy is undone and the general path runs. Every row is
   * decoded and checked as the general path would, so a bad object fails alike whatever the
   * table holds. Undefined when it did not apply.
   */
  private async directCalendarLoad(tx: Tx, object: ProcessedObject): Promise<LoadCounts | undefined> {
    if (!this.dialect.enforcesUniqueKeys) return undefined;
    const { table } = object;
    const target = qualified(this.schemas.stars, table.name);
    const day = quoteIdent(table.naturalKey);
    const epoch = "DATE '1970-01-01'";
    const { rows } = await tx.query<{ first: number | null; last: number | null; gapless: boolean | null }>(
      `SELECT min(${day}) - ${epoch} AS first, max(${day}) - ${epoch} AS last,
              count(*) = max(${day}) - min(${day}) + 1 AS gapless FROM ${target}`,
    );
    const held =
      rows[0]?.first == null || rows[0].last == null
        ? undefined
        : { first: Number(rows[0].first), last: Number(rows[0].last), gapless: rows[0].gapless === true };
    if (held && !held.gapless) return undefined;
    const seen = new IdRuns(table.naturalKey);
    const copied = await this.copyStraightIn(tx, object, {
      watches: [seen],
      intoEmpty: !held,
      ...(held ? { where: `${day} < ${epoch} + ${held.first} OR ${day} > ${epoch} + ${held.last}` } : {}),
    });
    if (!copied) return undefined;
    const runs = seen.runs();
    const run = runs?.[0];
    const meets = !held || !run || (run.first <= held.last + 1 && run.last >= held.first - 1);
    if (!runs || runs.length > 1 || !meets) {
      await tx.query(`ROLLBACK TO SAVEPOINT ${DIRECT}`);
      return undefined;
    }
    await tx.query(`RELEASE SAVEPOINT ${DIRECT}`);
    const added = !run
      ? 0
      : held
        ? Math.max(0, held.first - run.first) + Math.max(0, run.last - held.last)
        : copied.rows;
    return { rowsIn: copied.rows, rowsWritten: added };
  }

  /**
   * Records the reads of a dim object copied straight in. When every row carries the same read
   * (one extract's object of a one-table dim, a first load), each run of at least RANGE_MIN_ROWS
   * consecutive ids is one `dim_read_range` row (per bucket) instead of a row and an index
   * entry per id (most of a large dim's load); the ids of shorter runs get a `dim_read` row
   * each. Rows of several reads are copied into `dim_read` one per id, from the object.
   */
  private async recordDimReads(
    tx: Tx,
    object: ProcessedObject,
    runs: readonly IdRun[],
    versions: readonly OneValue[],
  ): Promise<void> {
    const { table } = object;
    const [own, parent] = versions.map((v) => v.value);
    if (own === undefined || parent === undefined) {
      await this.copyObject(tx, object, qualified(this.schemas.meta, "dim_read"), [
        { into: "table_name", fixed: table.name },
        { into: "natural_id", from: table.naturalKey },
        ...DIM_VERSION_COLUMNS.map((c) => ({ into: storedVersionColumn(c), from: c })),
      ]);
      return;
    }
    const ranged = (r: IdRun) => r.first >= 0 && r.last - r.first + 1 >= RANGE_MIN_ROWS;
    const long = runs.filter(ranged);
    const single = runs.filter((r) => !ranged(r)).flatMap(idsOf);
    if (long.length)
      await tx.query(dimRangesInsert(this.schemas), [
        table.name,
        own,
        parent,
        long.map((r) => r.first),
        long.map((r) => r.last),
      ]);
    if (single.length) await tx.query(dimReadsInsert(this.schemas), [table.name, own, parent, single]);
  }

  /**
   * Moves the staged rows into the table by its kind's rule (plan/apply-plan.ts), statement by
   * statement in `tx`; returns rows written: the row counts of the statements that write.
   */
  private async apply(tx: Tx, object: ProcessedObject): Promise<number> {
    const { table } = object;
    if (table.kind === "calendar") await this.stageCalendarGaps(tx, table);
    let written = 0;
    for (const statement of planApply(table, this.schemas, this.dialect.apply, object.key)) {
      const { rowCount } = await tx.query(statement.sql, statement.params);
      if (statement.writes) written += rowCount;
    }
    return written;
  }

  /**
   * Stages the whole calendar span of the table and this object, so the calendar stays
   * contiguous: unless the two hold every day of it already (the usual case: the transform
   * writes a contiguous calendar), when there is no gap to fill.
   */
  private async stageCalendarGaps(tx: Tx, table: TargetTable): Promise<void> {
    const day = quoteIdent(table.naturalKey);
    const { rows } = await tx.query<{ first: string | null; last: string | null; gapless: boolean | null }>(
      `SELECT min(d)::text AS first, max(d)::text AS last, count(DISTINCT d) = max(d) - min(d) + 1 AS gapless FROM (
         SELECT ${day} AS d FROM ${STAGE} UNION ALL SELECT ${day} FROM ${qualified(this.schemas.stars, table.name)}) x`,
    );
    const span = rows[0];
    if (!span?.first || !span.last || span.gapless) return;
    const names = loadedColumns(table).map((c) => c.name);
    for (const days of calendarDays(span.first, span.last))
      await this.stageRows(
        tx,
        names,
        days.map((day) => names.map((n) => String(day[n as keyof typeof day]))),
      );
  }

  /** Row counts per star table and the ledger's totals, for `totes status`. */
  async status(): Promise<WarehouseStatus> {
    const db = this.session();
    const exists = async (name: string) =>
      (await db.query<{ present: boolean }>(this.dialect.tableExists(), [name])).rows[0]?.present === true;
    const tables: { table: string; rows: number | null }[] = [];
    for (const t of TARGET_TABLES) {
      const name = qualified(this.schemas.stars, t.name);
      const rows = (await exists(name))
        ? Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${name}`)).rows[0]?.n ?? 0)
        : null;
      tables.push({ table: t.name, rows });
    }
    if (!(await exists(this.ledger()))) return { url: this.description, tables, objectsLoaded: 0 };
    const { rows } = await db.query<{ n: number; last: string | null }>(
      // ISO 8601 UTC like every other time in a status, not the session's time zone.
      `SELECT count(*)::int AS n,
              to_char(max(loaded_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last
         FROM ${this.ledger()}`,
    );
    return {
      url: this.description,
      tables,
      objectsLoaded: rows[0]?.n ?? 0,
      ...(rows[0]?.last ? { lastLoadedAt: rows[0].last } : {}),
    };
  }

  /** What the ledger recorded since `since`, per table: the report at the end of a run. */
  async loadedSince(since: Date): Promise<LoadedTable[]> {
    const { rows } = await this.session().query<LoadedTable>(
      `SELECT table_name AS "table", count(*)::int AS objects, sum(rows_in)::int AS "rowsIn",
              sum(rows_written)::int AS "rowsWritten"
         FROM ${this.ledger()} WHERE loaded_at >= $1 GROUP BY table_name ORDER BY table_name`,
      [since.toISOString()],
    );
    return rows;
  }

  /**
   * Runs `work` in one read-only transaction whose queries all see the same snapshot: what
   * `totes verify` compares with the source, never a table half-way through a load.
   */
  readSnapshot<T>(work: (db: SqlSession) => Promise<T>): Promise<T> {
    return this.transaction(async (tx) => {
      await tx.query(this.dialect.readSnapshot());
      return work(tx);
    });
  }

  /** Every fact/dim reference (of `tables`) that points at no dim row (SPEC: a loaded warehouse has none). */
  async checkReferences(tables: readonly TargetTable[] = TARGET_TABLES): Promise<DanglingReference[]> {
    const found: DanglingReference[] = [];
    for (const table of tables)
      for (const column of loadedColumns(table)) {
        if (!column.references) continue;
        const { table: dim, column: key } = column.references;
        const { rows } = await this.session().query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${qualified(this.schemas.stars, table.name)} f
            WHERE f.${quoteIdent(column.name)} IS NOT NULL AND NOT EXISTS (
              SELECT 1 FROM ${qualified(this.schemas.stars, dim)} d WHERE d.${quoteIdent(key)} = f.${quoteIdent(column.name)})`,
        );
        const n = rows[0]?.n ?? 0;
        if (n > 0)
          found.push({ table: table.name, column: column.name, references: `${dim}.${key}`, rows: n });
      }
    return found;
  }

  /**
   * Which of `keys` the ledger holds, with when each was loaded (ISO 8601 UTC): what
   * `totes runs` asks to say whether a run's objects are all in.
   */
  async loadedObjects(keys: readonly string[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const { rows } = await this.session().query<{ key: string; at: string }>(
      `SELECT object_key AS key, to_char(loaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
         FROM ${this.ledger()} WHERE object_key = ANY($1::text[])`,
      [keys],
    );
    return new Map(rows.map((r) => [r.key, r.at]));
  }

  /** The natural ids a dim holds (for `totes backfill --delete-missing`). */
  async dimNaturalIds(table: TargetTable): Promise<number[]> {
    if (table.kind !== "dim") throw new Error(`${table.name} is not a dim`);
    const key = quoteIdent(table.naturalKey);
    const { rows } = await this.session().query<{ id: number }>(
      `SELECT ${key} AS id FROM ${qualified(this.schemas.stars, table.name)}`,
    );
    return rows.map((r) => Number(r.id));
  }

  /**
   * Deletes a dim's rows by natural id, in one transaction under the table's load lock; returns
   * how many went. Their version records stay, so a stale object delivered later (an old delta
   * of a row since deleted at the source) is still refused rather than bringing the row back.
   */
  async deleteDimRows(table: TargetTable, ids: readonly number[]): Promise<number> {
    if (table.kind !== "dim") throw new Error(`${table.name} is not a dim`);
    if (ids.length === 0) return 0;
    const target = qualified(this.schemas.stars, table.name);
    return this.transaction(async (tx) => {
      await tx.query(this.dialect.lockTable(target));
      const { rowCount } = await tx.query(
        `DELETE FROM ${target} WHERE ${quoteIdent(table.naturalKey)} = ANY($1::int[])`,
        [ids],
      );
      return rowCount;
    });
  }
}
