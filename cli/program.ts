import { Command } from "commander";
import { dataDirLine, findDataDir } from "./data-dir.js";
import {
  DATA_DIR_HELP,
  parseInterval,
  parseDialect,
  parsePort,
  positiveNumber,
  wholeNumber,
  whereOptions,
} from "./options.js";

/**
 * The whole command line, described with commander alone: each action imports its command's
 * module only when that command runs, so `--help`, `--version` and a typo load nothing else
 * (the AWS SDK, DuckDB and pg alone take a second to import).
 */

/** Prints what a command returns (the commands that build their output as one string). */
const print = async (text: Promise<string>) => console.log(await text);

/** What the read and claim commands take for a warehouse (parsed by lib/db/database-url.ts). */
const EITHER_WAREHOUSE =
  "postgres://… or redshift://workgroup/<name>/<database> | redshift://cluster/<id>/<database> (the Data API, your AWS credentials and AWS_REGION)";
const TABLES_HELP = "tables, several after one flag (source or warehouse names: design or dim_design)";

/** Commander's own errors as ours: one `totes: …` line, then at most one line of what to do. */
function outputError(text: string, write: (s: string) => void): void {
  const lines = text
    .trim()
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const [first = "", ...rest] = lines;
  const hint = rest.find((l) => /^\(Did you mean/.test(l))?.replace(/^\((.*)\)$/, "$1");
  write(`totes: ${first.replace(/^error: /, "")}\n`);
  write(`${hint ?? "see `npx totes --help` (or `npx totes <command> --help`)"}\n`);
}

export function buildProgram(version: string): Command {
  const program = new Command()
    .name("totes")
    .version(version, "-V, --version", "print the version of totes-etl")
    .description("totes-etl: the totesys sales database into three star schemas, on AWS or on this machine")
    .configureOutput({ outputError })
    .showSuggestionAfterError(true);

  // Every command that keeps local state says first which data directory it uses.
  program.hook("preAction", (_program, action) => {
    const opts = action.opts<{ dataDir?: string; stage?: string; url?: string }>();
    if (!action.options.some((o) => o.long === "--data-dir") || opts.stage) return;
    console.error(dataDirLine(findDataDir(opts.dataDir)));
  });

  program
    .command("run")
    .description(
      "run the pipeline: extract, then transform and load through the local queues until they are empty",
    )
    .option(
      "--source <url>",
      "source totesys database (env TOTES_SOURCE_URL); default: the one the data dir last ran with, else embedded with the sample",
    )
    .option(
      "--warehouse <url>",
      "warehouse database (env TOTES_WAREHOUSE_URL); default: the one the data dir last ran with, else embedded",
    )
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .option(
      "--port <n>",
      "the embedded server's port (default: one derived from the data directory)",
      parsePort,
    )
    .option("--every <interval>", "keep running on a schedule (e.g. 20m) until Ctrl-C or SIGTERM")
    .option("--simulate", "with --every: simulate a day of source activity before each run", false)
    .option("--verbose", "print the handlers' structured logs", false)
    .action(async (opts) => {
      if (opts.every) parseInterval(opts.every);
      await (await import("./commands/run.js")).runCommand(opts);
    });

  program
    .command("backfill")
    .description(
      "re-read source tables in full through the same queues and stages: facts gain no duplicate, dims and corrected versions are repaired",
    )
    .option("--table <tables...>", TABLES_HELP)
    .option("--all", "every source table", false)
    .option(
      "--delete-missing",
      "locally, after the drain: remove dim rows whose natural id no longer exists at the source",
      false,
    )
    .option("--stage <stage>", "a deployed SST stage: send it a backfill request through EventBridge")
    .option(
      "--source <url>",
      "local: source totesys database (env TOTES_SOURCE_URL); default: as the last run",
    )
    .option(
      "--warehouse <url>",
      "local: warehouse database (env TOTES_WAREHOUSE_URL); default: as the last run",
    )
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .option("--port <n>", "local: the embedded server's port", parsePort)
    .option("--verbose", "print the handlers' structured logs", false)
    .action(async (opts) => (await import("./commands/backfill.js")).backfillCommand(opts));

  whereOptions(program.command("runs"))
    .description(
      "extraction history: per run what started it, its tables' windows, rows and objects, whether all of it is loaded, and how long it took",
    )
    .option("--limit <n>", "how many runs, newest first", "20")
    .option(
      "--warehouse <url>",
      `warehouse whose load ledger to read, ${EITHER_WAREHOUSE} (env TOTES_WAREHOUSE_URL); locally default: as the last run`,
    )
    .option("--no-warehouse", "do not read the warehouse (load completion unknown)")
    .option("--json", "machine-readable output", false)
    .action(async (opts) => (await import("./commands/runs.js")).runsCommand(opts));

  const source = program
    .command("source")
    .description("the totesys source database (for demos, tests, benchmarks)");
  source
    .command("init")
    .description("create the totesys schema and load a shipped sample (the embedded source unless --url)")
    .option(
      "--url <url>",
      "a Postgres URL to initialise instead of the embedded source (env TOTES_SOURCE_URL)",
    )
    .option("--sample <name>", "sample to load, or none", "2024-11-15")
    .option(
      "--reset",
      "drop the existing totesys tables first (and start the data dir's capture over)",
      false,
    )
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .action(async (opts) => (await import("./commands/source.js")).sourceInit(opts));
  source
    .command("simulate")
    .description(
      "add realistic, deterministic activity: each day at the sample's own daily rates, never stamped after now",
    )
    .option("--url <url>", "a Postgres URL to write to instead of the embedded source (env TOTES_SOURCE_URL)")
    .option("--days <n>", "days of ordinary activity to simulate (default 1)", wholeNumber)
    .option("--seed <seed>", "the same seed on the same data writes the same rows", "1")
    .option(
      "--scale <f>",
      "instead of days, bulk-append f × 1,000,000 sales orders (and their purchases, payments)",
      positiveNumber,
    )
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .action(async (opts) => (await import("./commands/source.js")).sourceSimulate(opts));

  const warehouse = program.command("warehouse").description("the star-schema warehouse");
  const urlHelp = "a Postgres URL instead of the embedded warehouse (env TOTES_WAREHOUSE_URL)";
  const claimUrlHelp = `a warehouse instead of the embedded one, ${EITHER_WAREHOUSE} (env TOTES_WAREHOUSE_URL)`;
  warehouse
    .command("init")
    .description(
      "as the warehouse's owner: check the star schemas and the bookkeeping schema against the catalog, create what is missing, (re)apply the current-version views and comments (idempotent)",
    )
    .option("--url <url>", urlHelp)
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .option("--print", "print the DDL instead of running it", false)
    .option(
      "--dialect <name>",
      "with --print: postgres, or redshift (its DDL and grants)",
      parseDialect,
      "postgres",
    )
    .option(
      "--grant-to <user...>",
      "with --dialect redshift: the functions' database users (IAMR:<role name>)",
    )
    .option("--database <name>", "with --dialect redshift: the database the grants are on", "warehouse")
    .action(async (opts) => (await import("./commands/warehouse.js")).warehouseInit(opts));
  warehouse
    .command("sql")
    .description("print every statement a load of a table can run, as the backend sends it (for review)")
    .option("--dialect <name>", "postgres or redshift", parseDialect, "postgres")
    .option("--table <name>", "one warehouse table (default: every one)")
    .action(async (opts) => (await import("./commands/warehouse-sql.js")).warehouseSql(opts));
  warehouse
    .command("claim")
    .description(
      "hand the warehouse over to this pipeline on purpose: from then on only its loads are taken (the first load claims an unowned warehouse by itself)",
    )
    .option("--url <url>", claimUrlHelp)
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .option(
      "--deployed <processed-bucket>",
      "claim it for a deployed stage instead, named by its processed bucket (`totes status --stage S` shows it)",
    )
    .action(async (opts) => (await import("./commands/warehouse.js")).warehouseClaim(opts));
  warehouse
    .command("url")
    .description(
      "print the embedded warehouse's connection URL, for psql or a BI tool (password included), and whether its server is up",
    )
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .action(async (opts) => (await import("./commands/warehouse.js")).printUrl(opts));
  warehouse
    .command("serve")
    .description(
      "keep the embedded warehouse running until Ctrl-C or SIGTERM; prints its URL without the password",
    )
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .option("--port <n>", "the port to serve on (default: one derived from the data directory)", parsePort)
    .action(async (opts) => (await import("./commands/warehouse.js")).serve(opts));
  warehouse
    .command("docs")
    .description("write the data dictionary, docs/warehouse.md, from the catalog")
    .option("--check", "write nothing; exit 1 if the file differs from what the catalog generates", false)
    .action(async (opts) => (await import("./commands/warehouse.js")).warehouseDocs(opts));
  warehouse
    .command("check")
    .description("prove every fact and dim reference points at a dim row (no dangling references)")
    .option("--url <url>", urlHelp)
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .action(async (opts) => (await import("./commands/warehouse.js")).warehouseCheck(opts));

  program
    .command("verify")
    .description(
      "compare the warehouse with the source, table by table, by segment checksums: rows missing, extra and differing, and the data tests; exit 1 unless equal",
    )
    .option("--source <url>", "source totesys database (env TOTES_SOURCE_URL); default: as the last run")
    .option(
      "--warehouse <url>",
      `warehouse database, ${EITHER_WAREHOUSE} (env TOTES_WAREHOUSE_URL); default: as the last run`,
    )
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .option(
      "--port <n>",
      "the embedded server's port (default: one derived from the data directory)",
      parsePort,
    )
    .option("--table <tables...>", `${TABLES_HELP}; default: every one`, [])
    .option("--json", "the report as JSON", false)
    .option(
      "--stage <stage>",
      "a deployed SST stage: print the report its scheduled Verify function last wrote",
    )
    .option("--outputs <file>", "with --stage: SST outputs JSON to read resource names from, instead of tags")
    .action(async (opts) => (await import("./commands/verify.js")).verifyCommand(opts));

  const dlq = program
    .command("dlq")
    .description("dead-letter queues: see what failed and why, replay after a fix, purge");
  const queueHelp = "transform or load";
  // Commander's help does not mark mandatory options itself.
  const required = `${queueHelp} (required)`;
  whereOptions(dlq.command("list"))
    .description(
      "every dead message with its object key(s), receives, failure times and last error (consumes nothing)",
    )
    .option("--queue <queue>", `${queueHelp} (default: both, one after the other)`)
    .option("--json", "machine-readable output", false)
    .action(async (opts) => print((await import("./commands/dlq.js")).dlqList(opts)));
  whereOptions(dlq.command("show <id>"))
    .description("one dead message in full, with its failure history")
    .option("--queue <queue>", `${queueHelp} (default: look in both)`)
    .option("--json", "machine-readable output", false)
    .action(async (id: string, opts) => print((await import("./commands/dlq.js")).dlqShow(id, opts)));
  whereOptions(dlq.command("replay"))
    .description(
      "move dead messages back to their source queue (all, or --id); then run or let the stage pick them up",
    )
    .requiredOption("--queue <queue>", required)
    .option("--id <ids...>", "only these message ids")
    .option("--dry-run", "report what would move; change nothing", false)
    .option("--json", "machine-readable output", false)
    .action(async (opts) => print((await import("./commands/dlq.js")).dlqReplay(opts)));
  whereOptions(dlq.command("purge"))
    .description("delete every message in a DLQ for good (requires --yes)")
    .requiredOption("--queue <queue>", required)
    .option("--yes", "confirm: the messages are deleted, not moved (required)", false)
    .action(async (opts) => print((await import("./commands/dlq.js")).dlqPurge(opts)));

  const quarantine = program
    .command("quarantine")
    .description(
      "rows set aside because they broke the data contract: see them, replay them after a fix, settle them",
    );
  whereOptions(quarantine.command("list"))
    .description("unsettled quarantined rows, by object: row, column, the offending cell, id and version")
    .option("--table <tables...>", `${TABLES_HELP} (default: all)`)
    .option("--all", "include settled rows, with how each was settled", false)
    .option("--json", "machine-readable output", false)
    .action(async (opts) => print((await import("./commands/quarantine.js")).quarantineList(opts)));
  whereOptions(quarantine.command("show <table> <id-or-object>"))
    .description("every quarantined row of one natural id, or of one ingestion object, in full")
    .option("--json", "machine-readable output", false)
    .action(async (table: string, what: string, opts) =>
      print((await import("./commands/quarantine.js")).quarantineShow(table, what, opts)),
    );
  whereOptions(quarantine.command("replay"))
    .description(
      "send the objects holding unsettled rows back to the transform, which re-validates them (after a catalog or code fix)",
    )
    .option("--table <tables...>", `${TABLES_HELP} (default: all)`)
    .option("--object <keys...>", "only these ingestion objects")
    .option("--dry-run", "report what would be sent; change nothing", false)
    .option("--json", "machine-readable output", false)
    .action(async (opts) => print((await import("./commands/quarantine.js")).quarantineReplay(opts)));
  whereOptions(quarantine.command("resolve <table> <object>"))
    .description("settle quarantined rows by hand (deleted at the source, loss accepted); they stay listed")
    .option("--row <rows...>", "only these row numbers (default: every unsettled row of the object)")
    .requiredOption("--note <text>", "why (required; kept with the rows)")
    .action(async (table: string, object: string, opts) =>
      print((await import("./commands/quarantine.js")).quarantineResolve(table, object, opts)),
    );

  whereOptions(program.command("status"))
    .description(
      "per source table its last extraction (when, rows, objects), queue and DLQ depths, the last run, and warehouse rows",
    )
    .option(
      "--warehouse <url>",
      `warehouse to count rows in, ${EITHER_WAREHOUSE} (env TOTES_WAREHOUSE_URL); locally default: as the last run`,
    )
    .option("--no-warehouse", "do not read the warehouse")
    .option("--json", "machine-readable output", false)
    .action(async (opts) => print((await import("./commands/status.js")).statusCommand(opts)));

  const state = program
    .command("state")
    .description("the extraction cursors (what has been read from the source)");
  whereOptions(state.command("reset"))
    .description(
      "start capture over: the next run reads every table (or --table T…) in full and records the source anew",
    )
    .option("--table <tables...>", TABLES_HELP)
    .action(async (opts) => print((await import("./commands/state.js")).stateReset(opts)));

  program
    .command("extract-now")
    .description(
      "ask a deployed stage for an extraction now, through EventBridge (after a fix or a replay; needs events:PutEvents)",
    )
    .option("--stage <stage>", "the deployed SST stage (required)")
    .action(async (opts) => print((await import("./commands/extract-now.js")).extractNow(opts)));

  program
    .command("clean")
    .description(
      "start over: delete the data dir (embedded cluster, its password, queues, objects, remembered URLs)",
    )
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .action(async (opts) => print((await import("./commands/clean.js")).clean(opts)));

  return program;
}
