import { quoteIdent } from "../db/identifiers.js";
import type { ColumnType } from "./types.js";

/** The Postgres (and Redshift) type of a catalog column. */
export function sqlType(type: ColumnType): string {
  switch (type.kind) {
    case "int":
      return "integer";
    case "bigint":
      return "bigint";
    case "decimal":
      return `numeric(${type.precision},${type.scale})`;
    case "text":
      return type.maxLength ? `varchar(${type.maxLength})` : "text";
    case "timestamp":
      return "timestamp(3)";
    case "date":
      return "date";
    case "time":
      return "time(3)";
    case "boolean":
      return "boolean";
    case "textDate":
      return "text";
    case "enum":
      return quoteIdent(type.name);
  }
}
