import { warehouseTables } from "../table-names.js";
import { assertReachable } from "../../lib/db/pool.js";
import { readVerifyReport, verify, type VerifyReport } from "../../lib/verify/index.js";
import { OpsError, withTarget } from "../../ops/index.js";
import { Databases } from "../databases.js";
import { openWarehouse } from "../open-warehouse.js";
import { dataDirFrom } from "../data-dir.js";
import { formatVerifyReport } from "../format-verify.js";
import { targetOptions } from "./dlq.js";

export interface VerifyCommandOptions {
  source?: string;
  warehouse?: string;
  dataDir?: string;
  port?: number;
  table: string[];
  json: boolean;
  stage?: string;
  outputs?: string;
}

/** Locally (or against the URLs given): compare now. Exit code 0 when equal, 1 otherwise. */
async function verifyHere(opts: VerifyCommandOptions): Promise<{ report: VerifyReport; where: string }> {
  const dbs = new Databases(dataDirFrom(opts.dataDir), {
    readOnly: true,
    ...(opts.port === undefined ? {} : { port: opts.port }),
  });
  try {
    // A bad URL is refused, naming its flag or variable, before any database starts.
    dbs.given("source", opts.source);
    dbs.givenWarehouse(opts.warehouse);
    const sourceUrl = await dbs.url("source", opts.source);
    const source = await dbs.pool("source", sourceUrl);
    const warehouse = await openWarehouse(dbs, await dbs.warehouseTarget(opts.warehouse));
    await assertReachable(source, "source", sourceUrl);
    await warehouse.assertReachable();
    const report = await verify({
      source,
      warehouse: warehouse.warehouse,
      sourceSchema: dbs.sourceSchema,
      tables: opts.table,
      ...warehouse.verifyDialects,
    });
    return { report, where: `source ${dbs.describe(sourceUrl)}, warehouse ${warehouse.description}` };
  } finally {
    await dbs.close();
  }
}

/** On AWS verify is the scheduled Verify function: this reads the report it last wrote. */
async function verifyOnStage(opts: VerifyCommandOptions): Promise<{ report: VerifyReport; where: string }> {
  if (opts.source || opts.warehouse)
    throw new OpsError(
      "--stage reads the deployed Verify function's last report; --source/--warehouse verify here instead",
    );
  return withTarget(targetOptions({ stage: opts.stage, outputs: opts.outputs }), async ({ target }) => {
    const report = await readVerifyReport(target.store, target.resources.processedBucket);
    if (!report)
      throw new OpsError(
        `${target.description} has no verify report yet: the Verify function runs daily; to run it now, invoke it (aws lambda invoke --function-name <its name> /dev/stdout)`,
      );
    const only = new Set(opts.table);
    const tables = only.size ? report.tables.filter((t) => only.has(t.table)) : report.tables;
    const mismatches = tables.reduce((n, t) => n + t.mismatches, 0);
    return {
      report: { ...report, tables, mismatches, equal: mismatches === 0 },
      where: `the Verify function's report on ${target.description} (s3://${target.resources.processedBucket}/_state/verify/latest.json)`,
    };
  });
}

/** `totes verify`: options as cli/program.ts describes them. */
export async function verifyCommand(opts: VerifyCommandOptions): Promise<void> {
  opts.table = warehouseTables(opts.table, "--table");
  const { report, where } = opts.stage ? await verifyOnStage(opts) : await verifyHere(opts);
  console.log(opts.json ? JSON.stringify(report, null, 2) : formatVerifyReport(report, where));
  process.exitCode = report.equal ? 0 : 1;
}
