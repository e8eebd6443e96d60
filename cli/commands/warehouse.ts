import type { Command } from "commander";
import { counted } from "../../lib/plural.js";
import { postgresWarehouse } from "../../lib/warehouse/postgres.js";
import { warehouseDdl } from "../../lib/warehouse/schema.js";
import { Databases, dataDirFrom } from "../databases.js";

interface WarehouseOptions {
  url?: string;
  dataDir?: string;
}

const urlOption = "--url <url>";
const urlHelp = "a Postgres URL instead of the embedded warehouse (env TOTES_WAREHOUSE_URL)";
const dirHelp = "where embedded databases and local state live (env TOTES_DATA_DIR)";

async function withWarehouse<T>(opts: WarehouseOptions, fn: (dbs: Databases, url: string) => Promise<T>) {
  const dbs = new Databases(dataDirFrom(opts.dataDir));
  try {
    return await fn(dbs, await dbs.url("warehouse", opts.url, "--url"));
  } finally {
    await dbs.close();
  }
}

export function registerWarehouse(program: Command): void {
  const warehouse = program.command("warehouse").description("the star-schema warehouse");

  warehouse
    .command("init")
    .description("create the three star schemas and the pipeline's bookkeeping schema (idempotent)")
    .option(urlOption, urlHelp)
    .option("--data-dir <dir>", dirHelp)
    .option("--print", "print the DDL instead of running it", false)
    .action(async (opts: WarehouseOptions & { print: boolean }) => {
      if (opts.print) {
        console.log(warehouseDdl().join(";\n\n") + ";");
        return;
      }
      await withWarehouse(opts, async (dbs, url) => {
        await postgresWarehouse(await dbs.pool("warehouse", url)).ensureSchema();
        console.log(`warehouse schema ready at ${dbs.describe(url)}`);
      });
    });

  warehouse
    .command("url")
    .description("print the embedded warehouse's connection URL, for psql or a BI tool (password included)")
    .option("--data-dir <dir>", dirHelp)
    .action(async (opts: WarehouseOptions) => {
      await withWarehouse(opts, async (_dbs, url) => {
        console.log(url);
        console.error(
          "The embedded server runs only while a totes command does: `npx totes warehouse serve` keeps it up.",
        );
      });
    });

  warehouse
    .command("serve")
    .description("keep the embedded warehouse running until Ctrl-C, and print its URL")
    .option("--data-dir <dir>", dirHelp)
    .action(async (opts: WarehouseOptions) => {
      await withWarehouse(opts, async (_dbs, url) => {
        console.log(url);
        console.error("serving the embedded databases; Ctrl-C to stop");
        await new Promise<void>((resolve) => {
          process.once("SIGINT", resolve);
          process.once("SIGTERM", resolve);
        });
      });
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
