/**
 * Quoting for the few names SQL cannot take as parameters. Every name passed here comes
 * from the table catalog; quoting anyway keeps reserved words (`transaction`) and any
 * later catalog entry safe.
 */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A schema-qualified table name. */
export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/** A string literal for DDL, where parameters are not allowed (enum labels). */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
