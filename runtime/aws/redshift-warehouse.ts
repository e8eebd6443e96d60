import { RedshiftDataClient } from "@aws-sdk/client-redshift-data";
import { RedshiftDataApi, type RedshiftTarget } from "../../lib/warehouse/redshift-data-api.js";
import { RedshiftWarehouse } from "../../lib/warehouse/redshift.js";

/** "workgroup w, database d": how messages name a Redshift warehouse (never a secret: there is none). */
export function describeRedshift(target: RedshiftTarget): string {
  const where =
    "workgroupName" in target ? `workgroup ${target.workgroupName}` : `cluster ${target.clusterIdentifier}`;
  return `${where}, database ${target.database}`;
}

export interface OpenedRedshiftWarehouse {
  readonly warehouse: RedshiftWarehouse;
  /** Destroys the Data API client (its sockets); the warehouse holds no connection. */
  close(): void;
}

/**
 * The Redshift backend over a Data API client of its own, in `region`, with the default AWS
 * credential chain: a Lambda's role, or an operator's own profile or SSO session. Both the
 * functions (redshift-target.ts) and the operators' commands build it here.
 */
export function openRedshiftWarehouse(
  target: RedshiftTarget,
  options: { readonly region: string; readonly copyRole?: string },
): OpenedRedshiftWarehouse {
  const client = new RedshiftDataClient({ region: options.region });
  const warehouse = new RedshiftWarehouse(
    // The Data API takes the target alone: the COPY role is the plan's.
    new RedshiftDataApi({ client, target }),
    `redshift ${describeRedshift(target)}`,
    options.copyRole ? { copyRole: options.copyRole } : {},
  );
  return { warehouse, close: () => client.destroy() };
}
