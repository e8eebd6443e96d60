import { formatStatus, gatherStatus, withTarget, type PipelineStatus } from "../../ops/index.js";
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
  const where = targetOptions(opts);
  const dbs = new Databases(where.dataDir, { readOnly: true });
  try {
    return await withTarget(where, async ({ target }) => {
      if (opts.warehouse === false) return gatherStatus(target);
      // On AWS the warehouse URL is a secret only the functions see: read it only when given.
      const given = opts.stage
        ? (opts.warehouse ?? process.env.TOTES_WAREHOUSE_URL)
        : dbs.given("warehouse", opts.warehouse);
      if (opts.stage && !given) return gatherStatus(target);
      // Read-only: an embedded warehouse is counted only if one exists.
      if (!given && !(await dbs.hasCluster())) return gatherStatus(target);
      const url = await dbs.url("warehouse", given);
      return gatherStatus(target, postgresWarehouse(await dbs.pool("warehouse", url), url));
    });
  } finally {
    await dbs.close();
  }
}

export async function statusCommand(opts: StatusOptions): Promise<string> {
  const status = await readStatus(opts);
  return opts.json ? JSON.stringify(status, null, 2) : formatStatus(status);
}
