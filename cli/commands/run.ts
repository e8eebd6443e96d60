import type { Command } from "commander";
import { initSource } from "../../lib/source/init.js";
import { Databases, dataDirFrom } from "../databases.js";

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("run the pipeline once on embedded defaults (or the databases you name)")
    .option("--source <url>", "source totesys database (env TOTES_SOURCE_URL); default: embedded")
    .option("--data-dir <dir>", "where embedded databases and local state live (env TOTES_DATA_DIR)")
    .action(async (opts: { source?: string; dataDir?: string }) => {
      const dbs = new Databases(dataDirFrom(opts.dataDir));
      try {
        const url = await dbs.url("source", opts.source);
        const result = await initSource(await dbs.pool("source", url));
        console.log(
          `source ready at ${dbs.describe(url)} (${result.counts.salesOrders} sales orders). ` +
            "The extract/transform/load stages are not wired in yet; nothing more to run.",
        );
      } finally {
        await dbs.close();
      }
    });
}
