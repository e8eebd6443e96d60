import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { embeddedPostgresState, type EmbeddedPostgresHandle } from "../../runtime/local/postgres/embedded.js";
import { isAlive } from "../../runtime/local/postgres/server.js";
import { stablePort } from "../../runtime/local/postgres/stable-port.js";
import { counted } from "../../lib/plural.js";
import {
  DICTIONARY_COMMAND,
  DICTIONARY_PATH,
  warehouseDictionary,
} from "../../tools/docs/warehouse-dictionary.js";
import { deployedPipeline } from "../../lib/warehouse/ownership.js";
import { postgresWarehouse } from "../../lib/warehouse/postgres.js";
import { localPipelineIdentity } from "../../runtime/local/pipeline-identity.js";
import { warehouseDdl } from "../../lib/warehouse/schema.js";
import { currentViewName, factsWithCurrentView } from "../../lib/warehouse/views.js";
import { Databases, WAREHOUSE_DATABASE, dataDirFrom, parsePort } from "../databases.js";
import { parseDialect, printInit, registerWarehouseSql } from "./warehouse-sql.js";
import type { DialectName } from "../../lib/warehouse/statements.js";

interface WarehouseOptions {
  url?: string;
  dataDir?: string;
}

const urlOption = "--url <url>";
const urlHelp = "a Postgres URL instead of the embedded warehouse (env TOTES_WAREHOUSE_URL)";
const dirHelp = "where embedded databases and local state live (env TOTES_DATA_DIR)";
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

async function withWarehouse<T>(opts: WarehouseOptions, fn: (dbs: Databases, url: string) => Promise<T>) {
  const dbs = new Databases(dataDirFrom(opts.dataDir));
  try {
    return await fn(dbs, await dbs.url("warehouse", opts.url, "--url"));
  } finally {
    await dbs.close();
  }
}

const dataDirFlag = (opts: WarehouseOptions) => (opts.dataDir ? ` --data-dir ${opts.dataDir}` : "");

/** Prints the embedded warehouse's URL and says, on stderr, whether a server is up to answer it. */
async function printUrl(opts: WarehouseOptions): Promise<void> {
  const dataDir = dataDirFrom(opts.dataDir);
  const state = await embeddedPostgresState(dataDir);
  const serve = `\`npx totes warehouse serve${dataDirFlag(opts)}\``;
  if (!state.initialised) {
    console.error(
      `totes: no embedded warehouse under ${dataDir} yet: ${serve} (or \`npm start\`) creates it`,
    );
    process.exitCode = 1;
    return;
  }
  const port = state.running?.port ?? stablePort(dataDir);
  console.log(state.url(WAREHOUSE_DATABASE, port));
  if (state.running)
    console.error(
      `the embedded server is up (pid ${state.running.pid}, port ${port}): the URL works while it runs`,
    );
  else
    console.error(
      `the embedded server is not running: ${serve} starts it on port ${port}, this URL's (it says so if that port is taken)`,
    );
}

const stopSignal = () =>
  new Promise<"signal">((resolve) => {
    process.once("SIGINT", () => resolve("signal"));
    process.once("SIGTERM", () => resolve("signal"));
  });

/** Resolves when the server process another command started has gone. */
async function serverGone(pid: number, stopped: () => boolean): Promise<"gone"> {
  while (isAlive(pid) && !stopped()) await new Promise((r) => setTimeout(r, 500));
  return "gone";
}

/**
 * Keeps the embedded databases up until Ctrl-C: starts the server, or joins the one another
 * totes command started and, when that command stops it, starts it again here.
 */
async function serve(opts: WarehouseOptions & { port?: number }): Promise<void> {
  const dataDir = dataDirFrom(opts.dataDir);
  const signal = stopSignal();
  let stopped = false;
  void signal.then(() => (stopped = true));
  // Signal listeners do not keep Node running, and the server is a detached child: without
  // a timer the process would end at once, leaving the server up with nobody to stop it.
  const keepAlive = setInterval(() => undefined, 3_600_000);
  try {
    await serveUntilStopped(dataDir, opts.port, signal, () => stopped);
  } finally {
    clearInterval(keepAlive);
  }
}

async function serveUntilStopped(
  dataDir: string,
  port: number | undefined,
  signal: Promise<"signal">,
  stopped: () => boolean,
): Promise<void> {
  for (;;) {
    const dbs = new Databases(dataDir, port === undefined ? {} : { port });
    try {
      const cluster: EmbeddedPostgresHandle = await dbs.cluster();
      console.log(await cluster.url(WAREHOUSE_DATABASE));
      if (!cluster.joined) {
        const stable = port === undefined && cluster.port === stablePort(dataDir);
        console.error(
          `serving the embedded databases on 127.0.0.1:${cluster.port}${stable ? " (this data directory's port, the same at every start)" : ""}; Ctrl-C to stop`,
        );
        await signal;
        return;
      }
      const ignored = port !== undefined && port !== cluster.port ? ` (not ${port})` : "";
      console.error(
        `the embedded server is already up on port ${cluster.port}${ignored}, started by another totes command (server pid ${cluster.joined.pid}); when it stops, it starts again here; Ctrl-C to stop`,
      );
      if ((await Promise.race([signal, serverGone(cluster.joined.pid, stopped)])) === "signal") return;
      console.error("the other command stopped the embedded server: starting it again");
    } finally {
      await dbs.close();
    }
  }
}

export function registerWarehouse(program: Command): void {
  const warehouse = program.command("warehouse").description("the star-schema warehouse");

  warehouse
    .command("init")
    .description(
      "as the warehouse's owner: check the star schemas and the bookkeeping schema against the catalog, create what is missing, (re)apply the current-version views and comments (idempotent)",
    )
    .option(urlOption, urlHelp)
    .option("--data-dir <dir>", dirHelp)
    .option("--print", "print the DDL instead of running it", false)
    .option(
      "--dialect <name>",
      "with --print: postgres, or redshift (DDL and grants)",
      parseDialect,
      "postgres" as DialectName,
    )
    .option(
      "--grant-to <user...>",
      "with --dialect redshift: the functions' database users (IAMR:<role name>)",
    )
    .option("--database <name>", "with --dialect redshift: the database the grants are on", "warehouse")
    .action(
      async (
        opts: WarehouseOptions & {
          print: boolean;
          dialect: DialectName;
          grantTo?: string[];
          database: string;
        },
      ) => {
        if (opts.print && opts.dialect === "redshift") {
          printInit(opts);
          return;
        }
        if (opts.dialect === "redshift")
          throw new Error(
            "`warehouse init --dialect redshift` only prints (--print): run its output as the owner in the Redshift query editor",
          );
        if (opts.print) {
          console.log(warehouseDdl().join(";\n\n") + ";");
          return;
        }
        await withWarehouse(opts, async (dbs, url) => {
          const report = await postgresWarehouse(await dbs.pool("warehouse", url)).ensureSchema({
            refresh: true,
          });
          for (const table of report.created) console.log(`created  ${table}`);
          for (const table of report.found) console.log(`found    ${table}`);
          const views = factsWithCurrentView().map(currentViewName).join(", ");
          console.log(`warehouse schema ready at ${dbs.describe(url)} (current-version views: ${views})`);
        });
      },
    );

  registerWarehouseSql(warehouse);

  warehouse
    .command("claim")
    .description(
      "hand the warehouse over to this pipeline on purpose: from then on only its loads are taken (the first load claims an unowned warehouse by itself)",
    )
    .option(urlOption, urlHelp)
    .option("--data-dir <dir>", dirHelp)
    .option(
      "--deployed <processed-bucket>",
      "claim it for a deployed stage instead, named by its processed bucket (`totes status --stage S` shows it)",
    )
    .action(async (opts: WarehouseOptions & { deployed?: string }) => {
      const pipeline = opts.deployed
        ? deployedPipeline(opts.deployed)
        : await localPipelineIdentity(dataDirFrom(opts.dataDir));
      await withWarehouse(opts, async (dbs, url) => {
        const target = postgresWarehouse(await dbs.pool("warehouse", url));
        const before = await target.owner();
        const owner = await target.claim(pipeline, { takeOver: true });
        console.log(
          before && before.id !== owner.id
            ? `warehouse ${dbs.describe(url)} handed over from ${before.description} to ${owner.description}`
            : `warehouse ${dbs.describe(url)} is loaded by ${owner.description} (since ${owner.claimedAt})`,
        );
      });
    });

  warehouse
    .command("url")
    .description(
      "print the embedded warehouse's connection URL, for psql or a BI tool (password included), and whether its server is up",
    )
    .option("--data-dir <dir>", dirHelp)
    .action(printUrl);

  warehouse
    .command("serve")
    .description("keep the embedded warehouse running until Ctrl-C, and print its URL")
    .option("--data-dir <dir>", dirHelp)
    .option("--port <n>", "the port to serve on (default: one derived from the data directory)", parsePort)
    .action(serve);

  warehouse
    .command("docs")
    .description(`write the data dictionary, ${DICTIONARY_PATH}, from the catalog`)
    .option("--check", "write nothing; exit 1 if the file differs from what the catalog generates", false)
    .action((opts: { check: boolean }) => {
      const file = path.join(repoRoot, DICTIONARY_PATH);
      const generated = warehouseDictionary();
      if (!opts.check) {
        writeFileSync(file, generated);
        console.log(`wrote ${DICTIONARY_PATH}`);
      } else if (existsSync(file) && readFileSync(file, "utf8") === generated) {
        console.log(`${DICTIONARY_PATH} is what the catalog generates`);
      } else {
        console.error(
          `totes: ${DICTIONARY_PATH} differs from what the catalog generates: run \`${DICTIONARY_COMMAND}\``,
        );
        process.exitCode = 1;
      }
    });

  warehouse
    .command("check")
    .description("prove every fact and dim reference points at a dim row (SPEC: no dangling references)")
    .option(urlOption, urlHelp)
    .option("--data-dir <dir>", dirHelp)
    .action(async (opts: WarehouseOptions) => {
      await withWarehouse(opts, async (dbs, url) => {
        const dangling = await postgresWarehouse(await dbs.pool("warehouse", url)).checkReferences();
        for (const d of dangling)
          console.log(`${d.table}.${d.column} → ${d.references}: ${counted(d.rows, "dangling row")}`);
        console.log(dangling.length ? "references: FAILED" : "references: every one resolves");
        if (dangling.length) process.exitCode = 1;
      });
    });
}
