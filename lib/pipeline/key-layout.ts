/** The constants of the buckets' key layout, importable from anywhere (the stacks too). */

/** Prefix of the pipeline's own bookkeeping objects; bucket notifications never match it. */
export const STATE_PREFIX = "_state/";
/** Prefix of star-table Parquet objects in the processed bucket (what the load queue hears). */
export const TABLES_PREFIX = "tables/";
export const CSV_SUFFIX = ".csv";
export const PARQUET_SUFFIX = ".parquet";
