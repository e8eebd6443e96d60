/**
 * One model per warehouse table, dbt-style. A model is a SELECT over the views the
 * transform prepares for the input object:
 *   versions_<source>  every distinct (id, last_updated) version in the input, with the
 *                      timestamps split into *_date and *_time columns;
 *   changed_<source>   the ids the input touches (empty for other sources);
 *   cur_<source>       the current state of a source table the model needs;
 *   currency_names     ISO 4217 code → name.
 * It may return columns in any order and extra ones: the transform selects the table's
 * catalog columns, in catalog order and catalog types. Dims also return `_version_hi` (their
 * own source row's last_updated) and `_version_lo` (the joined parent's), compared in that
 * order (lib/pipeline/dim-versions.ts), so the load can refuse an older version arriving late.
 */
export interface Model {
  readonly target: string;
  readonly sql: string;
}

/** Version columns of a dim built from one source row. */
export const singleSourceVersion = "last_updated AS _version_hi, last_updated AS _version_lo";
