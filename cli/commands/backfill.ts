import { SOURCE_TABLES } from "../../lib/catalog/index.js";
import { counted } from "../../lib/plural.js";
import { partBoundFrom } from "../../lib/extract/csv-parts.js";
import { postgresWarehouse } from "../../lib/warehouse/postgres.js";
import { deleteMissingDimRows, OpsError } from "../../ops/index.js";
import { LocalPipeline } from "../../runtime/local/pipeline.js";
import { setLogLevel } from "../../runtime/lambda/observability.js";
import { sourceExists } from "../../tools/source/init.js";
import { Databases } from "../databases.js";
import { dataDirFrom } from "../data-dir.js";
import { formatMissingRows } from "../format-runs.js";
import { sourceTables } from "../table-names.js";
import { interruptOnSignal } from "../interrupt.js";
import { runProgress } from "../progress.js";
import { formatSummary } from "../summary.js";
import { requestSentLine, sendExtractRequest } from "./extract-now.js";
import { deadLetterAdvice, quarantineAdvice } from "./run.js";

export interface BackfillOptions {
  table?: string[];
  all: boolean;
  deleteMissing: boolean;
  stage?: string;
  source?: string;
  warehouse?: string;
  dataDir?: string;
  port?: number;
  verbose: boolean;
}

/** `--table T…` or `--all`, checked against the catalog. */
export function backfillTables(opts: Pick<BackfillOptions, "table" | "all">): string[] {
  const names: string[] = SOURCE_TABLES.map((t) => t.name);
  if (opts.all && opts.table?.length) throw new OpsError("--table and --all exclude each other");
  if (opts.all) return names;
  if (!opts.table?.length) throw new OpsError(`name the tables to backfill (--table T…) or pass --all`);
  return sourceTables(opts.table);
}

/** On AWS: one "Backfill requested" event; the deployed extract function does the rest. */
async function backfillStage(stage: string, tables: string[], opts: BackfillOptions): Promise<void> {
  if (opts.deleteMissing)
    throw new OpsError(
      "--delete-missing runs where the source and the warehouse are both reachable: locally. On a stage, `totes verify` reports the rows deleted at the source",
    );
  if (opts.source || opts.warehouse || opts.dataDir || opts.port !== undefined)
    throw new OpsError(
      "--stage goes to the deployed stage's own databases: --source, --warehouse, --data-dir and --port are for the local runtime",
    );
  console.log(requestSentLine(await sendExtractRequest(stage, tables)));
}

/** Locally: one extraction with `tables` read in full, then the queues drained, as `totes run` does. */
async function backfillLocal(tables: string[], opts: BackfillOptions): Promise<void> {
  if (opts.verbose) setLogLevel("INFO");
  const parts = partBoundFrom(process.env);
  const dataDir = dataDirFrom(opts.dataDir);
  const dataDirFlag = opts.dataDir ? ` --data-dir ${opts.dataDir}` : "";
  const dbs = new Databases(dataDir, opts.port === undefined ? {} : { port: opts.port });
  const interrupt = interruptOnSignal();
  let local: LocalPipeline | undefined;
  try {
    const { source, sourceUrl, warehouse, warehouseUrl } = await dbs.openBoth(opts);
    if (!(await sourceExists(source)))
      throw new OpsError(
        `no totesys schema at ${dbs.describe(sourceUrl)}: nothing to backfill from (\`totes run\` loads the sample)`,
      );
    console.error(
      `backfill  ${tables.join(", ")} (in full)\nsource    ${dbs.describe(sourceUrl)}\nwarehouse ${dbs.describe(warehouseUrl)}`,
    );
    local = await LocalPipeline.start(dataDir);
    const progress = runProgress();
    const summary = await local.runOnce({
      source,
      warehouse,
      sourceSchema: dbs.sourceSchema,
      backfill: tables,
      parts,
      signal: interrupt.signal,
      onExtractTable: progress.onExtractTable,
      onProgress: progress.onProgress,
    });
    progress.done();
    if (summary.interrupted) {
      console.error(
        `stopped: local state saved; ${counted(summary.interrupted.waiting, "message")} left for the next \`totes run\``,
      );
      process.exitCode = interrupt.exitCode;
      return;
    }
    console.log(formatSummary(summary));
    const advice = [deadLetterAdvice(summary, dataDirFlag), quarantineAdvice(summary, dataDirFlag)].filter(
      (a) => a !== undefined,
    );
    if (opts.deleteMissing) {
      // Only once everything is in: a load still pending could otherwise add a row after the check.
      if (summary.deadLetters.transform + summary.deadLetters.load > 0)
        advice.push(
          "--delete-missing skipped: messages are dead-lettered, so the warehouse is not the whole read yet",
        );
      else
        console.log(
          formatMissingRows(
            await deleteMissingDimRows(source, postgresWarehouse(warehouse), tables, {
              sourceSchema: dbs.sourceSchema,
            }),
          ),
        );
    }
    for (const a of advice) console.error(a);
    process.exitCode = advice.length ? 1 : 0;
  } finally {
    interrupt.release();
    await local?.stop();
    await dbs.close();
  }
}

/** `totes backfill`: options as cli/program.ts describes them. */
export async function backfillCommand(opts: BackfillOptions): Promise<void> {
  const tables = backfillTables(opts);
  if (opts.stage) await backfillStage(opts.stage, tables, opts);
  else await backfillLocal(tables, opts);
}
