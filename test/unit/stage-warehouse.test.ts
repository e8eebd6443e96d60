import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Databases } from "../../cli/databases.js";
import { SST_APP } from "../../runtime/aws/sst-app.js";
import { redshiftWarehouseUrl, serverlessName } from "../../stacks/settings.js";

/* `totes status --stage S` / `runs --stage S` on a Redshift stage find its warehouse by themselves. */
describe("a stage's Redshift warehouse", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("is named by the stage's settings: the workgroup a serverless stage creates, or the one it uses", () => {
    const byStage = {
      made: { kind: "redshift", serverless: { baseCapacity: 8, database: "warehouse" } },
      used: { kind: "redshift", workgroup: "analytics", database: "dev" },
      cluster: { kind: "redshift", cluster: "legacy-dw", database: "sales" },
    } as const;
    expect(redshiftWarehouseUrl("totes-etl", "made", byStage)).toBe(
      `redshift://workgroup/${serverlessName("totes-etl", "made")}/warehouse`,
    );
    expect(redshiftWarehouseUrl("totes-etl", "used", byStage)).toBe("redshift://workgroup/analytics/dev");
    expect(redshiftWarehouseUrl("totes-etl", "cluster", byStage)).toBe("redshift://cluster/legacy-dw/sales");
    expect(redshiftWarehouseUrl("totes-etl", "prod", byStage)).toBeUndefined();
  });

  it("is what status and runs read with --stage and no --warehouse; a Postgres stage's URL stays a secret they are given", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "totes-stage-warehouse-"));
    dirs.push(dir);
    const saved = process.env.TOTES_WAREHOUSE_URL;
    delete process.env.TOTES_WAREHOUSE_URL;
    try {
      const dbs = new Databases(dir, { readOnly: true });
      expect(await dbs.readOnlyWarehouse({ stage: "redshift-preview" })).toEqual({
        engine: "redshift",
        url: `redshift://workgroup/${SST_APP}-redshift-preview/warehouse`,
        redshift: { workgroupName: `${SST_APP}-redshift-preview`, database: "warehouse" },
      });
      expect(await dbs.readOnlyWarehouse({ stage: "prod" })).toBeUndefined();
      // Given explicitly, the flag wins.
      expect(
        await dbs.readOnlyWarehouse({ stage: "redshift-preview", warehouse: "redshift://cluster/other/dev" }),
      ).toMatchObject({ redshift: { clusterIdentifier: "other", database: "dev" } });
    } finally {
      if (saved !== undefined) process.env.TOTES_WAREHOUSE_URL = saved;
    }
  });
});
