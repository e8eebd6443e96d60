// Values live in SST's encrypted secret store, set per stage with `npx sst secret set`.
// Each is linked only to the function that needs it (see functions.ts); none is ever put
// into an environment variable.

import { warehouseFor } from "./settings";

export const sourceDatabaseUrl = new sst.Secret("SourceDatabaseUrl");

/**
 * Postgres stages only: a Redshift stage (settings.ts) has no warehouse password at all, and
 * declaring the secret there would make `sst deploy` ask for a value.
 */
export const warehouseDatabaseUrl =
  warehouseFor($app.stage).kind === "postgres" ? new sst.Secret("WarehouseDatabaseUrl") : undefined;

export const alertEmail = new sst.Secret("AlertEmail");
