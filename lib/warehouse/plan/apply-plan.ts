import type { TargetTable } from "../../catalog/index.js";
import type { WarehouseSchemas } from "../schema.js";
import type { ApplyOps } from "./apply-ops.js";
import type { PlanStep, PlannedStatement, Rendered } from "./statement.js";

const as =
  (step: PlanStep) =>
  (statements: readonly Rendered[]): PlannedStatement[] =>
    statements.map((s) => ({ ...s, step }));

/**
 * What moves a staged object into its table, by the table's kind, in order: the one rule every
 * backend follows (lib/pipeline/read-order.ts says why it is right). Facts: stale versions go,
 * later reads correct in place, new versions go in, then every read is recorded. Dims: stale
 * rows go, versions are recorded, unchanged rows go, the rest is upserted. Calendar: missing
 * days go in. Pure: the same catalog and ops give the same statements.
 */
export function planApply(
  table: TargetTable,
  schemas: WarehouseSchemas,
  ops: ApplyOps,
  objectKey: string,
): PlannedStatement[] {
  const apply = as("apply");
  const versions = as("versions");
  const count = as("ledger")(ops.countWrites(table, schemas, objectKey));
  switch (table.kind) {
    case "fact":
      return [
        ...apply(ops.analyzeStage()),
        ...apply(ops.factDropStale(table, schemas)),
        ...count,
        ...apply(ops.factCorrect(table, schemas)),
        ...apply(ops.factInsert(table, schemas)),
        ...versions(ops.factRecordReads(table, schemas)),
      ];
    case "calendar":
      return [...count, ...apply(ops.insertMissing(table, schemas))];
    case "dim":
      return [
        ...apply(ops.analyzeStage()),
        ...apply(ops.dimDropStale(table, schemas)),
        ...versions(ops.dimRecordReads(table, schemas)),
        ...apply(ops.dimDropUnchanged(table, schemas)),
        ...count,
        ...apply(ops.dimUpsert(table, schemas)),
      ];
  }
}
