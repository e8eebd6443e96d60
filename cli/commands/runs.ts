import type { Command } from "commander";
import { postgresWarehouse } from "../../lib/warehouse/postgres.js";
import { gatherRuns, OpsError, withTarget, type RunHistoryEntry } from "../../ops/index.js";
import { Databases } from "../databases.js";
import { formatRuns } from "../format-runs.js";
import { targetOptions, whereOptions, type WhereOptions } from "./dlq.js";

export interface RunsOptions extends WhereOptions {
  /** A URL; false for --no-warehouse; undefined: locally the embedded one, on AWS none. */
  warehouse?: string | false;
  limit: string;
  json?: boolean;
}

export async function readRuns(opts: RunsOptions): Promise<{ runs: RunHistoryEntry[]; where: string }> {
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new OpsError(`--limit takes a whole number above 0, not "${opts.limit}"`);
  const where = targetOptions(opts);
  const dbs = new Databases(where.dataDir);
  try {
    return await withTarget(where, async ({ target }) => {
      // As `totes status`: on AWS the warehouse URL is a secret only the functions see.
      const given =
        opts.warehouse === false ? undefined : (opts.warehouse ?? process.env.TOTES_WAREHOUSE_URL);
      const read = opts.warehouse !== false && (!opts.stage || !!given);
      const url = read ? await dbs.url("warehouse", given) : undefined;
      const warehouse = url ? postgresWarehouse(await dbs.pool("warehouse", url), url) : undefined;
      return { runs: await gatherRuns(target, warehouse, limit), where: target.description };
    });
  } finally {
    await dbs.close();
  }
}

export function registerRuns(program: Command): void {
  whereOptions(program.command("runs"))
    .description(
      "extraction history: per run its tables' windows, rows and objects, whether all of it is loaded, and how long it took",
    )
    .option("--limit <n>", "how many runs, newest first", "20")
    .option(
      "--warehouse <url>",
      "warehouse whose load ledger to read (env TOTES_WAREHOUSE_URL); locally default: embedded",
    )
    .option("--no-warehouse", "do not read the warehouse (load completion unknown)")
    .option("--json", "machine-readable output", false)
    .action(async (opts: RunsOptions) => {
      const { runs, where } = await readRuns(opts);
      console.log(opts.json ? JSON.stringify(runs, null, 2) : formatRuns(runs, where));
    });
}
