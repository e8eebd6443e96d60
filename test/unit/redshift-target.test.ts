import { describe, expect, it } from "vitest";
import { RedshiftWarehouse } from "../../lib/warehouse/redshift.js";
import { redshiftTargetOf, redshiftWarehouseFor } from "../../runtime/aws/redshift-target.js";

// A function of a Redshift stage gets its warehouse from `Resource.RedshiftWarehouse` (what
// stacks/redshift.ts links, test/infra/redshift.test.ts): the Redshift backend through the Data
// API; a Postgres stage has no such link and keeps the Postgres backend (runtime/aws/deps.ts).

describe("the deployed functions' Redshift link", () => {
  it("names a Serverless workgroup or a provisioned cluster, with its database", () => {
    expect(redshiftTargetOf({ workgroupName: "wg", database: "warehouse" })).toEqual({
      workgroupName: "wg",
      database: "warehouse",
    });
    expect(
      redshiftTargetOf({ clusterIdentifier: "c1", database: "dev", copyRole: "arn:aws:iam::1:role/copy" }),
    ).toEqual({
      clusterIdentifier: "c1",
      database: "dev",
      copyRole: "arn:aws:iam::1:role/copy",
    });
  });

  it("is absent in a Postgres stage, or when it names no database", () => {
    expect(redshiftTargetOf(undefined)).toBeUndefined();
    expect(redshiftTargetOf({ workgroupName: "wg" })).toBeUndefined();
  });

  it("builds the Redshift backend, named for messages by where it is", () => {
    const warehouse = redshiftWarehouseFor({ workgroupName: "wg", database: "warehouse" });
    expect(warehouse).toBeInstanceOf(RedshiftWarehouse);
    expect(warehouse.description).toBe("redshift workgroup wg, database warehouse");
  });
});
