import type { Command } from "commander";
import { initSource } from "../../lib/source/init.js";
import { Databases, dataDirFrom } from "../databases.js";

export function registerSource(program: Command): void {
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
    .option("--reset", "drop the existing totesys tables first", false)
    .option("--data-dir <dir>", "where embedded databases and local state live (env TOTES_DATA_DIR)")
    .action(async (opts: { url?: string; sample: string; reset: boolean; dataDir?: string }) => {
      const dbs = new Databases(dataDirFrom(opts.dataDir));
      try {
        const url = await dbs.url("source", opts.url);
        const pool = await dbs.pool("source", url);
        const result = await initSource(pool, { sample: opts.sample, reset: opts.reset });
        const { salesOrders, purchaseOrders, payments } = result.counts;
        const counts = `${salesOrders} sales orders, ${purchaseOrders} purchase orders, ${payments} payments`;
        console.log(
          result.created
            ? `totesys source ready at ${dbs.describe(url)}: ${counts} (sample ${opts.sample})`
            : `totesys source already initialised at ${dbs.describe(url)} (${counts}); nothing changed. Use --reset to start again.`,
        );
      } finally {
        await dbs.close();
      }
    });
}
