import {
  TARGET_TABLES,
  loadedColumns,
  targetTable,
  type TargetKind,
  type TargetTable,
} from "../catalog/index.js";
import { withTransaction, type Pool } from "../db/pool.js";
import type { SqlSession, Warehouse } from "../warehouse/warehouse.js";
import { DEFAULT_BISECT, bisect, type BisectOptions } from "./bisect.js";
import { runDataTests, type DataTestResult } from "./data-tests.js";
import { postgresVerifyDialect, type VerifyDialect } from "./dialect.js";
import { VerifyError } from "./errors.js";
import { sourceSide, warehouseSide, type Side } from "./sides.js";
import { DEFAULT_SOURCE_SCHEMA } from "../db/session-settings.js";
import type { WarehouseSchemas } from "../warehouse/schema.js";

/** A cell as a report quotes it: the first 80 characters, as every error about a row does. */
const EXCERPT = 80;
const excerpt = (v: string | null) =>
  v === null ? null : v.length > EXCERPT ? `${v.slice(0, EXCERPT)}…` : v;

export interface DifferingColumn {
  readonly column: string;
  /** Rendered as verify hashes it (dates yyyy-mm-dd, times with ms, booleans t/f), cut to 80 characters. */
  readonly source: string | null;
  readonly warehouse: string | null;
}

export interface DifferingRow {
  readonly id: number;
  readonly columns: readonly DifferingColumn[];
}

export interface TableReport {
  readonly table: string;
  readonly kind: TargetKind;
  /** False for the calendar, which has no source: only its data tests run. */
  readonly rowsCompared: boolean;
  /** Rows each side holds: a fact's source rows and current versions, a dim's rows. */
  readonly sourceRows: number;
  readonly warehouseRows: number;
  /** In the source, not in the warehouse (a fact: no current version of it). */
  readonly missing: { readonly count: number; readonly ids: readonly number[] };
  /** In the warehouse, not in the source: deleted at the source. */
  readonly extra: { readonly count: number; readonly ids: readonly number[] };
  /** On both sides, with different values: the first few ids and the columns that differ. */
  readonly differing: { readonly count: number; readonly rows: readonly DifferingRow[] };
  readonly tests: readonly DataTestResult[];
  /** Rows missing + extra + differing + every data test failure. */
  readonly mismatches: number;
  readonly segmentsCompared: number;
  readonly queries: number;
  /** Bytes of results the two databases sent: what verify moved. */
  readonly bytes: number;
  readonly seconds: number;
}

export interface VerifyReport {
  /** ISO 8601 UTC. */
  readonly verifiedAt: string;
  readonly equal: boolean;
  readonly mismatches: number;
  readonly seconds: number;
  readonly tables: readonly TableReport[];
}

export interface VerifyOptions {
  readonly source: Pool;
  readonly warehouse: Warehouse;
  /** The schema the source tables are read from (default `public`). */
  readonly sourceSchema?: string;
  /** Warehouse tables to verify; every one by default. */
  readonly tables?: readonly string[];
  readonly bisect?: BisectOptions;
  readonly dialect?: VerifyDialect;
  /**
   * The warehouse side's dialect where it is another engine (Redshift): both sides must then
   * render rows alike, so `dialect` is the source's portable one (dialect.ts).
   */
  readonly warehouseDialect?: VerifyDialect;
  /** Hears of each table as it is done (the CLI's progress). */
  readonly onTable?: (report: TableReport) => void;
}

const READ_ONLY_SNAPSHOT = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

/**
 * Compares the warehouse with the source, table by table, each side in one read-only
 * snapshot. Equal means: every dim equals its transform model run on the whole source (the
 * source join); every fact's current-version view holds each source row's current version
 * once and nothing else (history rows are allowed); and every data test passes.
 */
export async function verify(options: VerifyOptions): Promise<VerifyReport> {
  const started = Date.now();
  const tables = (options.tables?.length ? options.tables : TARGET_TABLES.map((t) => t.name)).map(
    targetTable,
  );
  const dialect = options.dialect ?? postgresVerifyDialect;
  const warehouseDialect = options.warehouseDialect ?? dialect;
  const { warehouse } = options;
  const dangling = await warehouse.checkReferences(tables);
  const reports = await withTransaction(
    options.source,
    async (source) => {
      for (const statement of dialect.sessionSettings) await source.query(statement);
      return warehouse.readSnapshot(async (db) => {
        for (const statement of warehouseDialect.sessionSettings) await db.query(statement);
        const done: TableReport[] = [];
        for (const table of tables) {
          const report = await verifyTable(
            table,
            sessionOf(source),
            db,
            warehouse.schemas,
            { source: dialect, warehouse: warehouseDialect },
            {
              bisect: options.bisect ?? DEFAULT_BISECT,
              dangling,
              sourceSchema: options.sourceSchema ?? DEFAULT_SOURCE_SCHEMA,
            },
          );
          options.onTable?.(report);
          done.push(report);
        }
        return done;
      });
    },
    READ_ONLY_SNAPSHOT,
  );
  const mismatches = reports.reduce((n, r) => n + r.mismatches, 0);
  return {
    verifiedAt: new Date(started).toISOString(),
    equal: mismatches === 0,
    mismatches,
    seconds: (Date.now() - started) / 1000,
    tables: reports,
  };
}

const sessionOf = (client: {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}): SqlSession => ({
  query: async <R extends object>(sql: string, params?: readonly unknown[]) => {
    const r = await client.query(sql, params as unknown[] | undefined);
    return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
  },
});

async function verifyTable(
  table: TargetTable,
  source: SqlSession,
  db: SqlSession,
  schemas: WarehouseSchemas,
  dialects: { readonly source: VerifyDialect; readonly warehouse: VerifyDialect },
  context: {
    bisect: BisectOptions;
    dangling: Awaited<ReturnType<Warehouse["checkReferences"]>>;
    sourceSchema: string;
  },
): Promise<TableReport> {
  const started = Date.now();
  try {
    const tests = await runDataTests(db, table, schemas.stars, dialects.warehouse, context.dangling);
    const testFailures = tests.reduce((n, t) => n + t.failures, 0);
    const base = { table: table.name, kind: table.kind, tests };
    if (table.kind === "calendar")
      return {
        ...base,
        rowsCompared: false,
        sourceRows: 0,
        warehouseRows: 0,
        missing: { count: 0, ids: [] },
        extra: { count: 0, ids: [] },
        differing: { count: 0, rows: [] },
        mismatches: testFailures,
        segmentsCompared: 0,
        queries: tests.length,
        bytes: 0,
        seconds: (Date.now() - started) / 1000,
      };
    const s = sourceSide(source, table, context.sourceSchema, dialects.source);
    const w = warehouseSide(db, table, schemas, dialects.warehouse);
    const diff = await bisect(s, w, context.bisect);
    const rows = await differingColumns(table, s, w, diff.differing.ids);
    return {
      ...base,
      rowsCompared: true,
      sourceRows: diff.sourceRows,
      warehouseRows: diff.warehouseRows,
      missing: diff.missing,
      extra: diff.extra,
      differing: { count: diff.differing.count, rows },
      mismatches: diff.missing.count + diff.extra.count + diff.differing.count + testFailures,
      segmentsCompared: diff.segmentsCompared,
      queries: s.queries + w.queries + tests.length,
      bytes: s.bytes + w.bytes,
      seconds: (Date.now() - started) / 1000,
    };
  } catch (error) {
    if (error instanceof VerifyError) throw error;
    throw new VerifyError(table.name, error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
}

/** The columns in which each differing row differs: the few rows fetched from both sides. */
async function differingColumns(
  table: TargetTable,
  source: Side,
  warehouse: Side,
  ids: readonly number[],
): Promise<DifferingRow[]> {
  const [a, b] = await Promise.all([source.renderedRows(ids), warehouse.renderedRows(ids)]);
  return ids.map((id) => ({
    id,
    columns: loadedColumns(table)
      .map((c) => ({
        column: c.name,
        source: a.get(id)?.[c.name] ?? null,
        warehouse: b.get(id)?.[c.name] ?? null,
      }))
      .filter((c) => c.source !== c.warehouse)
      .map((c) => ({ ...c, source: excerpt(c.source), warehouse: excerpt(c.warehouse) })),
  }));
}
