import type { DatabaseTarget } from "../lib/db/database-url.js";
import { assertReachable } from "../lib/db/pool.js";
import type { VerifyOptions } from "../lib/verify/verify.js";
import { postgresWarehouse } from "../lib/warehouse/postgres.js";
import type { RedshiftTarget } from "../lib/warehouse/redshift-data-api.js";
import type { Warehouse } from "../lib/warehouse/warehouse.js";
import type { Databases } from "./databases.js";
import { CliError } from "./errors.js";

/** A warehouse a command opened, whichever engine it is: the one place the commands branch on it. */
export interface OpenedWarehouse {
  readonly warehouse: Warehouse;
  /** For messages: the URL without its password, or the Redshift workgroup or cluster, database and region. */
  readonly description: string;
  /** How verify renders each side: the warehouse's in its own engine's SQL, the source's to match. */
  readonly verifyDialects: Pick<VerifyOptions, "dialect" | "warehouseDialect">;
  /** Fails, naming the warehouse and why, unless it answers a query. */
  assertReachable(): Promise<void>;
}

/**
 * The warehouse a target names, closed with `dbs`: Postgres through a pool, or Redshift through
 * the Data API with the caller's own AWS credentials (the default chain: a profile, SSO, the
 * environment) in their region. The AWS SDK and the verify dialects load only for Redshift, so
 * a local status stays as quick as it was.
 */
export async function openWarehouse(dbs: Databases, target: DatabaseTarget): Promise<OpenedWarehouse> {
  if (target.engine === "postgres") {
    const pool = await dbs.pool("warehouse", target.url);
    return {
      warehouse: postgresWarehouse(pool, target.url),
      description: dbs.describe(target.url),
      verifyDialects: {},
      assertReachable: () => assertReachable(pool, "warehouse", target.url),
    };
  }
  return openRedshift(dbs, target.redshift);
}

async function openRedshift(dbs: Databases, target: RedshiftTarget): Promise<OpenedWarehouse> {
  const [{ openRedshiftWarehouse, describeRedshift }, { awsRegion }, dialects] = await Promise.all([
    import("../runtime/aws/redshift-warehouse.js"),
    import("../runtime/aws/region.js"),
    import("../lib/verify/dialect.js"),
  ]);
  const region = awsRegion();
  const opened = openRedshiftWarehouse(target, { region });
  dbs.onClose(opened.close);
  const description = `redshift ${describeRedshift(target)} in ${region}`;
  const grant =
    "workgroupName" in target
      ? `redshift-serverless:GetCredentials on workgroup ${target.workgroupName}`
      : `redshift:GetClusterCredentialsWithIAM on cluster ${target.clusterIdentifier}`;
  return {
    warehouse: opened.warehouse,
    description,
    // Postgres against Redshift: both sides render rows the one cross-engine way.
    verifyDialects: {
      dialect: dialects.postgresPortableVerifyDialect,
      warehouseDialect: dialects.redshiftVerifyDialect,
    },
    assertReachable: async () => {
      try {
        await opened.warehouse.session().query("SELECT 1");
      } catch (error) {
        throw new CliError(
          `warehouse (${description}): ${error instanceof Error ? error.message : String(error)}`,
          `the Data API runs as your AWS identity (default credential chain, region from AWS_REGION): it needs redshift-data:ExecuteStatement, DescribeStatement and GetStatementResult, ${grant}, and the grants docs/deploy.md lists for its database user`,
          { cause: error },
        );
      }
    },
  };
}
