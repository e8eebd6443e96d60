/**
 * One model per warehouse table, dbt-style. A model is a SELECT over the views the
 * transform prepares for the input object:
 *   versions_<source>  every distinct (id, last_updated) version in the input, with the
 *                      timestamps split into *_date and *_time columns;
 *   changed_<source>   the ids the input touches (empty for other sources);
 *   cur_<source>       the current state of a source table the model needs;
 *   currency_names     ISO 4217 code → name.
 * Every source row, in versions_ and cur_, carries `_extracted_at`: when the run whose CSV it
 * came from extracted it (lib/pipeline/extraction-order.ts).
 * It may return columns in any order and extra ones: the transform selects the table's
 * catalog columns, in catalog order and catalog types. Dims also return their version
 * (`versionColumns`: their own source row's last_updated and extraction, then the joined
 * parent's, compared in that order, lib/pipeline/dim-versions.ts), so the load can refuse an
 * older version arriving late; facts return `_extracted_at`, which orders two reads of one
 * version.
 */
export interface Model {
  readonly target: string;
  readonly sql: string;
}

const from = (alias: string | undefined, column: string) => (alias ? `${alias}.${column}` : column);

/** Version columns of a dim built from the row `own` (an alias) joined with the row `parent`. */
export const versionColumns = (own?: string, parent = own): string =>
  [
    `${from(own, "last_updated")} AS _version_hi`,
    `${from(own, "_extracted_at")} AS _version_hi_extracted_at`,
    `${from(parent, "last_updated")} AS _version_lo`,
    `${from(parent, "_extracted_at")} AS _version_lo_extracted_at`,
  ].join(", ");

/** Version columns of a dim built from one source row. */
export const singleSourceVersion = versionColumns();
