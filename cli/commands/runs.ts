import { OpsError } from "../../ops/errors.js";
import { withTarget } from "../../ops/open-target.js";
import { gatherRuns, type RunHistoryEntry } from "../../ops/runs.js";
import { Databases } from "../databases.js";
import { openWarehouse } from "../open-warehouse.js";
import { formatRuns } from "../format-runs.js";
import type { WhereOptions } from "../options.js";
import { targetOptions } from "./dlq.js";

export interface RunsOptions extends WhereOptions {
  /** A postgres:// or redshift:// URL; false for --no-warehouse; undefined: locally the embedded one, on AWS none. */
  warehouse?: string | false;
  limit: string;
  json?: boolean;
}

export async function readRuns(opts: RunsOptions): Promise<{ runs: RunHistoryEntry[]; where: string }> {
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new OpsError(`--limit takes a whole number above 0, not "${opts.limit}"`);
  const where = { ...targetOptions(opts), readOnly: true };
  const dbs = new Databases(where.dataDir, { readOnly: true });
  try {
    return await withTarget(where, async ({ target }) => {
      const named = await dbs.readOnlyWarehouse(opts);
      const warehouse = named ? (await openWarehouse(dbs, named)).warehouse : undefined;
      return { runs: await gatherRuns(target, warehouse, limit), where: target.description };
    });
  } finally {
    await dbs.close();
  }
}

/** `totes runs`: options as cli/program.ts describes them. */
export async function runsCommand(opts: RunsOptions): Promise<void> {
  const { runs, where } = await readRuns(opts);
  console.log(opts.json ? JSON.stringify(runs, null, 2) : formatRuns(runs, where));
}
