// The warehouse the load and verify functions are linked to, per stage (settings.ts): the
// WarehouseDatabaseUrl secret on a Postgres stage, the Redshift link on a Redshift stage.
import { redshiftWarehouse } from "./redshift";
import { warehouseDatabaseUrl } from "./secrets";
import { warehouseFor } from "./settings";
import { processedBucket } from "./storage";

const choice = warehouseFor($app.stage);

export const redshift = choice.kind === "redshift" ? redshiftWarehouse(choice, processedBucket) : undefined;

/** The one link that reaches the stage's warehouse. */
export const warehouseLink = redshift?.link ?? warehouseDatabaseUrl!;
