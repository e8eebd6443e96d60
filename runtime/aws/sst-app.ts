/** The SST app name (sst.config.ts): the first part of every resource name and the `sst:app` tag. */
export const SST_APP = "totes-etl";
