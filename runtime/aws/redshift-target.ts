import { Resource } from "sst/resource";
import type { RedshiftTarget } from "../../lib/warehouse/redshift-data-api.js";
import type { RedshiftWarehouse } from "../../lib/warehouse/redshift.js";
import { openRedshiftWarehouse } from "./redshift-warehouse.js";

/** What stacks/redshift.ts links as `Resource.RedshiftWarehouse` (the COPY role is the namespace's default). */
export interface RedshiftLink {
  readonly workgroupName?: string;
  readonly clusterIdentifier?: string;
  readonly database?: string;
  /** "default", or the ARN of the role attached to an existing workgroup or cluster. */
  readonly copyRole?: string;
}

/** The Data API target a `RedshiftWarehouse` link names; undefined when there is none. */
export function redshiftTargetOf(
  link: RedshiftLink | undefined,
): (RedshiftTarget & { readonly copyRole?: string }) | undefined {
  if (!link?.database) return undefined;
  const role = link.copyRole ? { copyRole: link.copyRole } : {};
  if (link.workgroupName) return { workgroupName: link.workgroupName, database: link.database, ...role };
  if (link.clusterIdentifier)
    return { clusterIdentifier: link.clusterIdentifier, database: link.database, ...role };
  return undefined;
}

/** The Redshift warehouse a function is linked to; undefined in a Postgres stage (no such link). */
export function linkedRedshiftTarget(): ReturnType<typeof redshiftTargetOf> {
  try {
    return redshiftTargetOf(
      (Resource as unknown as Record<string, RedshiftLink | undefined>).RedshiftWarehouse,
    );
  } catch {
    // Not linked (a Postgres stage), or no SST links at all (a function run outside SST).
    return undefined;
  }
}

let built: RedshiftWarehouse | undefined;

/** One warehouse (and one Data API client) per cold start, so its schema check runs once. */
export function redshiftWarehouseFor(
  target: RedshiftTarget & { readonly copyRole?: string },
): RedshiftWarehouse {
  const { copyRole, ...where } = target;
  built ??= openRedshiftWarehouse(where, {
    region: process.env.AWS_REGION ?? "eu-west-2",
    ...(copyRole ? { copyRole } : {}),
  }).warehouse;
  return built;
}
