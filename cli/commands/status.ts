import { withTarget } from "../../ops/open-target.js";
import { gatherStatus, type PipelineStatus } from "../../ops/status.js";
import { formatStatus } from "../format.js";
import { postgresWarehouse } from "../../lib/warehouse/postgres.js";
import { Databases } from "../databases.js";
import type { WhereOptions } from "../options.js";
import { targetOptions } from "./dlq.js";

export interface StatusOptions extends WhereOptions {
  /** A URL; false for --no-warehouse; undefined: locally the embedded one, on AWS none. */
  warehouse?: string | false;
  json?: boolean;
}

export async function readStatus(opts: StatusOptions): Promise<PipelineStatus> {
  const where = { ...targetOptions(opts), readOnly: true };
  const dbs = new Databases(where.dataDir, { readOnly: true });
  try {
    // On AWS the warehouse URL is a secret only the functions see: read it only when given.
    const given =
      opts.warehouse === false
        ? undefined
        : opts.stage
          ? (opts.warehouse ?? process.env.TOTES_WAREHOUSE_URL)
          : dbs.given("warehouse", opts.warehouse);
    // Read-only: an embedded warehouse is counted only if one exists.
    const read =
      opts.warehouse !== false && (given !== undefined || (!opts.stage && (await dbs.hasCluster())));
    // The warehouse (perhaps an embedded server to start) opens while the local state restores.
    const warehouse = read
      ? dbs
          .url("warehouse", given)
          .then(async (url) => postgresWarehouse(await dbs.pool("warehouse", url), url))
      : undefined;
    warehouse?.catch(() => undefined); // awaited below; a failure is reported there
    return await withTarget(where, async ({ target }) =>
      warehouse ? gatherStatus(target, await warehouse) : gatherStatus(target),
    );
  } finally {
    await dbs.close();
  }
}

export async function statusCommand(opts: StatusOptions): Promise<string> {
  const status = await readStatus(opts);
  return opts.json ? JSON.stringify(status, null, 2) : formatStatus(status);
}
