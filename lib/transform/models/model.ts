/**
 * One model per warehouse table, dbt-style. A model is a SELECT over the views the
 * transform prepares for the input object:
 *   versions_<source>  every distinct (id, last_updated) version in the input, with the
 *                      timestamps split into *_date and *_time columns;
 *   changed_<source>   the ids the input touches (empty for other sources);
 *   cur_<source>       the current state of a source table the model needs;
 *   currency_names     ISO 4217 code → name.
 * Every source row, in versions_ and cur_, carries `_read_order`: the commit order of the
 * snapshot that read it (lib/pipeline/read-order.ts).
 * It may return columns in any order and extra ones: the transform selects the table's
 * catalog columns, in catalog order and catalog types. Dims also return their version
 * (`versionColumns`: their own source row's read order, then the joined parent's, compared
 * in that order, lib/pipeline/dim-versions.ts), so the load can refuse an older read arriving
 * late; facts return `_read_order`, which orders versions and reads of one version.
 */
export interface Model {
  readonly target: string;
  readonly sql: string;
}

const from = (alias: string | undefined, column: string) => (alias ? `${alias}.${column}` : column);

/** Version columns of a dim built from the row `own` (an alias) joined with the row `parent`. */
export const versionColumns = (own?: string, parent = own): string =>
  [
    `${from(own, "_read_order")} AS _own_read_order`,
    `${from(parent, "_read_order")} AS _parent_read_order`,
  ].join(", ");

/** Version columns of a dim built from one source row. */
export const singleSourceVersion = versionColumns();
