import type { Command } from "commander";
import { SOURCE_TABLES } from "../../lib/catalog/index.js";
import { counted } from "../../lib/plural.js";
import { partBoundFrom } from "../../lib/extract/csv-parts.js";
import { postgresWarehouse } from "../../lib/warehouse/postgres.js";
import { deleteMissingDimRows, OpsError } from "../../ops/index.js";
import { LocalPipeline } from "../../runtime/local/pipeline.js";
import { setLogLevel } from "../../runtime/lambda/observability.js";
import { sourceExists } from "../../tools/source/init.js";
import { Databases, dataDirFrom, parsePort } from "../databases.js";
import { formatMissingRows } from "../format-runs.js";
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
  const unknown = opts.table.filter((t) => !names.includes(t));
  if (unknown.length)
    throw new OpsError(`no source table ${unknown.join(", ")}; the tables are ${names.join(", ")}`);
  return [...new Set(opts.table)];
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
    const summary = await local.runOnce(
      {
        source,
        warehouse,
        sourceSchema: dbs.sourceSchema,
        backfill: tables,
        parts,
        signal: interrupt.signal,
        onExtractTable: progress.onExtractTable,
      },
      progress.onBatch,
    );
    progress.done();
    if (summary.interrupted) {
      console.error(
        `stopped: local state saved; ${counted(summary.interrupted.waiting, "message")} left for the next \`totes run\``,
      );
      process.exitCode = 130;
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

export function registerBackfill(program: Command): void {
  program
    .command("backfill")
    .description(
      "re-read source tables in full through the same queues and stages: facts gain no duplicate, dims and corrected versions are repaired",
    )
    .option("--table <table...>", "source tables to read in full")
    .option("--all", "every source table", false)
    .option(
      "--delete-missing",
      "locally, after the drain: remove dim rows whose natural id no longer exists at the source",
      false,
    )
    .option("--stage <stage>", "a deployed SST stage: send it a backfill request through EventBridge")
    .option("--source <url>", "local: source totesys database (env TOTES_SOURCE_URL); default: embedded")
    .option("--warehouse <url>", "local: warehouse database (env TOTES_WAREHOUSE_URL); default: embedded")
    .option("--data-dir <dir>", "local: the state `totes run` uses (env TOTES_DATA_DIR)")
    .option("--port <n>", "local: the embedded server's port", parsePort)
    .option("--verbose", "print the handlers' structured logs", false)
    .action(async (opts: BackfillOptions) => {
      const tables = backfillTables(opts);
      if (opts.stage) await backfillStage(opts.stage, tables, opts);
      else await backfillLocal(tables, opts);
    });
}
