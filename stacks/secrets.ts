// Values live in SST's encrypted secret store, set per stage with `npx sst secret set`.
// Each is linked only to the function that needs it (see functions.ts); none is ever put
// into an environment variable.

export const sourceDatabaseUrl = new sst.Secret("SourceDatabaseUrl");

export const warehouseDatabaseUrl = new sst.Secret("WarehouseDatabaseUrl");

export const alertEmail = new sst.Secret("AlertEmail");
