/**
 * Errors an operator reads at 3 a.m.: each names the table, the object and, where there
 * is one, the row, and keeps the underlying error as `cause`.
 */
export class PipelineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ExtractError extends PipelineError {
  constructor(
    readonly table: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`extract of ${table}: ${message}`, options);
  }
}

/** An object key that does not follow the pipeline's layout, so it names no table. */
export class UnrecognisedKeyError extends PipelineError {
  constructor(
    readonly objectKey: string,
    readonly layout: "ingestion" | "processed",
  ) {
    const form =
      layout === "ingestion" ? "{table}/yyyy/mm/dd/{stamp}.csv" : "tables/{table}/…/{source}-{stamp}.parquet";
    super(`${objectKey}: not ${layout === "ingestion" ? "an ingestion" : "a processed"} key (${form})`);
  }
}

/**
 * A name or value the table catalog has no entry for: a table it does not list, a kind it
 * has no (or more than one) table of, a day the calendar cannot place.
 */
export class CatalogError extends PipelineError {
  constructor(
    /** What was looked up: "source table", "warehouse table", "calendar table", "calendar day". */
    readonly entry: string,
    /** The name or value asked for. */
    readonly value: string,
    message: string,
  ) {
    super(message);
  }
}

/** An ingestion or processed object that cannot be taken as it is. */
export class BadObjectError extends PipelineError {
  constructor(
    readonly table: string,
    readonly objectKey: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${table} (${objectKey}): ${message}`, options);
  }
}

/** One row of an input breaks the contract; `row` counts data rows from 1 (the header is line 1). */
export class BadRowError extends BadObjectError {
  constructor(
    table: string,
    objectKey: string,
    readonly row: number,
    readonly column: string | undefined,
    message: string,
  ) {
    super(table, objectKey, `row ${row}${column ? `, column ${column}` : ""}: ${message}`);
  }
}

/** The transform of an object failed for a reason other than the object itself (state, storage). */
export class TransformError extends PipelineError {
  constructor(
    readonly table: string,
    readonly objectKey: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`transform of ${table} from ${objectKey}: ${message}`, options);
  }
}

export class LoadError extends PipelineError {
  constructor(
    readonly table: string,
    readonly objectKey: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`load of ${table} from ${objectKey}: ${message}`, options);
  }
}

/** One column of the warehouse that is not what the catalog says it should be. */
export interface SchemaConflict {
  readonly schema: string;
  readonly table: string;
  readonly column: string;
  /** e.g. `numeric(10,2)`, `text NOT NULL`, `no such column`. */
  readonly expected: string;
  /** e.g. `real`, `text (nullable)`, `no such column`. */
  readonly found: string;
}

/**
 * The warehouse's tables cannot take a load: a table differs from the catalog (`conflicts`,
 * each naming table, column, expected and found type), or tables are missing and this login
 * could not create them (`missing`, schema-qualified). Raised before any row is written.
 */
export class WarehouseSchemaError extends PipelineError {
  constructor(
    readonly conflicts: readonly SchemaConflict[],
    readonly missing: readonly string[],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
