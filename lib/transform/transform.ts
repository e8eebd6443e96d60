import { rm } from "node:fs/promises";
import path from "node:path";
import {
  SOURCE_TABLES,
  calendarColumns,
  calendarTable,
  sourceTable,
  targetsFedBy,
} from "../catalog/index.js";
import type { SourceTable, TargetTable } from "../catalog/index.js";
import { quoteIdent, quoteLiteral } from "../db/identifiers.js";
import { PipelineError, TransformError, UnrecognisedKeyError } from "../errors.js";
import { calendarDays } from "../model/calendar.js";
import { currencyNamesSql } from "../model/currency-names.js";
import { READ_ORDER } from "../pipeline/read-order.js";
import { parseIngestionKey, processedKey, type IngestionKey } from "../pipeline/keys.js";
import { processedColumns } from "../pipeline/processed-columns.js";
import type { Buckets } from "../pipeline/location.js";
import { recordTransformed } from "../pipeline/transformed.js";
import { STATEFUL_SOURCES, mergeCurrentState, readCurrentState } from "./current-state.js";
import { duckType } from "./duck-types.js";
import { DuckSession } from "./duckdb-session.js";
import { MODELS } from "./models/index.js";
import { loadRaw } from "./input.js";
import { typedSelect } from "./staging.js";
import { InputQuarantine, partialTag } from "./quarantine.js";
import { makeWorkDir } from "./work-dir.js";

export interface TargetOutput {
  readonly target: string;
  readonly rows: number;
  readonly objectKey: string;
  /** False when an earlier attempt already stored this output. */
  readonly written: boolean;
}

export interface TransformResult {
  readonly table: string;
  readonly objectKey: string;
  /** Every row of the input, quarantined ones included. */
  readonly rowsIn: number;
  /** Rows set aside by this transform (see lib/pipeline/quarantine.ts). */
  readonly rowsQuarantined: number;
  /** Rows other inputs had quarantined that newer versions in this one settled. */
  readonly rowsSettled: number;
  readonly outputs: readonly TargetOutput[];
}

/** The load decodes one row group at a time: smaller groups bound its memory. */
const ROW_GROUP_ROWS = 4_096;

/** Views every model may read; see models/model.ts. */
async function prepareViews(duck: DuckSession, table: SourceTable): Promise<void> {
  const pk = quoteIdent(table.primaryKey);
  // Views, not tables: each is computed only if a model reads it (a fact input never needs
  // the latest version per id), and only as part of the query that does. Every row carries
  // the read order of the snapshot that read it (read-order.ts), which orders versions.
  const views = [
    `CREATE VIEW currency_names AS ${currencyNamesSql()}`,
    `CREATE VIEW stg AS ${typedSelect(table, "raw", [`CAST(${READ_ORDER} AS BIGINT) AS ${READ_ORDER}`])}`,
    `CREATE VIEW versions_${table.name} AS
       SELECT *,
              CAST(created_at AS DATE) AS created_date, CAST(created_at AS TIME) AS created_time,
              CAST(last_updated AS DATE) AS last_updated_date, CAST(last_updated AS TIME) AS last_updated_time
         FROM stg`,
    // One read holds one version of a row; a file holding several (made by hand) takes the
    // greatest last_updated among those of its latest read.
    `CREATE VIEW latest_${table.name} AS SELECT * FROM stg
       QUALIFY row_number() OVER (PARTITION BY ${pk} ORDER BY ${READ_ORDER} DESC, last_updated DESC) = 1`,
    ...SOURCE_TABLES.map((other) => {
      const otherPk = quoteIdent(other.primaryKey);
      const ids =
        other.name === table.name
          ? `SELECT ${otherPk} FROM latest_${other.name}`
          : `SELECT CAST(NULL AS INTEGER) AS ${otherPk} WHERE false`;
      return `CREATE VIEW changed_${other.name} AS ${ids}`;
    }),
  ];
  // One call: a statement each cost a round into DuckDB that a small delta's input felt.
  await duck.run(views.join(";\n"));
}

/** The processed columns of a target, in catalog order and type, over a model's output. */
function shapedSelect(target: TargetTable, from: string): string {
  const columns = processedColumns(target).map(
    (c) => `CAST(${quoteIdent(c.name)} AS ${duckType(c.type)}) AS ${quoteIdent(c.name)}`,
  );
  return `SELECT ${columns.join(", ")} FROM (${from})`;
}

/** The calendar's rows for the whole span of dates the facts built from this input reference. */
async function buildCalendar(duck: DuckSession, dim: TargetTable, facts: TargetTable[]): Promise<void> {
  const dateColumns = facts.flatMap((f) =>
    calendarColumns(f).map((c) => `SELECT ${quoteIdent(c.name)} AS d FROM out_${f.name}`),
  );
  const [span] = await duck.rows<{ first: string | null; last: string | null }>(
    `SELECT CAST(min(d) AS VARCHAR) AS first, CAST(max(d) AS VARCHAR) AS last FROM (${dateColumns.join(" UNION ALL ")})`,
  );
  await duck.run(
    `CREATE TABLE out_${dim.name} (${dim.columns.map((c) => `${quoteIdent(c.name)} ${duckType(c.type)}`).join(", ")})`,
  );
  if (!span?.first || !span.last) return;
  for (const days of calendarDays(span.first, span.last))
    await duck.append(
      `out_${dim.name}`,
      days.map((day) => dim.columns.map((c) => day[c.name as keyof typeof day])),
    );
}

/**
 * Turns one ingestion CSV into Parquet objects for every warehouse table it affects.
 * Validates the whole input before writing anything: rows that break the contract are
 * quarantined (recorded first, then left out of every output), the others go through; an
 * object that cannot be read as the table's CSV fails whole. An output that an earlier
 * attempt already stored is left as it is (objects are never overwritten).
 */
export async function transformObject(buckets: Buckets, key: string): Promise<TransformResult> {
  const input = parseIngestionKey(key);
  if (!input) throw new UnrecognisedKeyError(key, "ingestion");
  const table = sourceTable(input.table);
  const workDir = await makeWorkDir();
  let duck: DuckSession | undefined;
  try {
    const csv = path.join(workDir, "input.csv");
    await buckets.store.getFile(buckets.ingestionBucket, key, csv);
    duck = await DuckSession.open();
    const { rowsIn, quarantined } = await loadRaw(duck, table, key, input.stamp, csv);
    const quarantine = await InputQuarantine.open(buckets, table, key);
    const recorded = await quarantine.record(rowsIn, quarantined);
    await prepareViews(duck, table);
    const targets = targetsFedBy(table.name);
    await prepareCurrentState(duck, buckets, table, targets, workDir);

    const built: TargetTable[] = [];
    for (const target of targets) {
      const model = MODELS.get(target.name);
      if (!model) continue;
      // A view, not a table: its rows go straight into the Parquet file in one pass; only the
      // calendar reads a fact's again, its date columns alone, for their span.
      await duck.run(`CREATE VIEW out_${target.name} AS ${shapedSelect(target, model.sql)}`);
      built.push(target);
    }
    if (targets.some((t) => t.kind === "calendar")) {
      const calendar = calendarTable();
      await buildCalendar(
        duck,
        calendar,
        built.filter((t) => t.kind === "fact"),
      );
      built.unshift(calendar);
    }
    const outputs: TargetOutput[] = [];
    const partial = partialTag(quarantined);
    for (const target of built)
      outputs.push(await writeOutput(duck, buckets, target, input, workDir, partial));
    const rowsSettled = await quarantine.settle(duck);
    const produced = outputs.filter((o) => o.rows > 0);
    await recordTransformed(buckets.store, buckets.processedBucket, {
      objectKey: key,
      at: new Date().toISOString(),
      rowsIn,
      rowsQuarantined: quarantined.length,
      outputs: produced.map((o) => ({ target: o.target, objectKey: o.objectKey, rows: o.rows })),
    });
    return {
      table: table.name,
      objectKey: key,
      rowsIn,
      rowsQuarantined: recorded.length,
      rowsSettled,
      outputs: produced,
    };
  } catch (error) {
    if (error instanceof PipelineError) throw error;
    const first = ((error as Error).message ?? String(error)).split("\n")[0];
    throw new TransformError(table.name, key, first ?? "failed", { cause: error });
  } finally {
    await duck?.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * Makes `cur_<source>` for every source the targets read. The input's own table is merged
 * into its stored state first and only then are partners read: two inputs racing (a staff
 * CSV and a department CSV) each write before they read, so at least one of them sees both
 * changes and emits the right rows, and its version wins at load.
 */
async function prepareCurrentState(
  duck: DuckSession,
  buckets: Buckets,
  table: SourceTable,
  targets: TargetTable[],
  workDir: string,
): Promise<void> {
  const latest = `latest_${table.name}`;
  if (STATEFUL_SOURCES.has(table.name))
    await mergeCurrentState(duck, buckets.store, buckets.processedBucket, table.name, latest, workDir);
  else await duck.run(`CREATE VIEW cur_${table.name} AS SELECT * FROM ${latest}`);
  const partners = new Set(
    targets.flatMap((t) => t.sources).filter((s) => s !== table.name && STATEFUL_SOURCES.has(s)),
  );
  for (const partner of partners)
    await readCurrentState(duck, buckets.store, buckets.processedBucket, partner, `cur_${partner}`, workDir);
}

async function writeOutput(
  duck: DuckSession,
  buckets: Buckets,
  target: TargetTable,
  input: IngestionKey,
  workDir: string,
  partial: string | undefined,
): Promise<TargetOutput> {
  const objectKey = processedKey(target.name, input, partial);
  const file = path.join(workDir, `${target.name}.parquet`);
  // No ORDER BY: a sort of every row is the costliest pass there is, and the load needs none.
  const [copied] = await duck.rows<{ Count: string | number }>(
    `COPY (SELECT * FROM out_${target.name})
       TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${ROW_GROUP_ROWS})`,
  );
  const rows = Number(copied?.Count ?? 0);
  if (rows === 0) return { target: target.name, rows, objectKey, written: false };
  if (await buckets.store.head(buckets.processedBucket, objectKey))
    return { target: target.name, rows, objectKey, written: false };
  await buckets.store.putFile(buckets.processedBucket, objectKey, file, "application/vnd.apache.parquet");
  return { target: target.name, rows, objectKey, written: true };
}
