import { targetTable, type TargetTable } from "../catalog/index.js";
import type { TableReport } from "./verify.js";

/**
 * What repairs a table verify found different: a backfill of these source tables (a later
 * read of every row, which the read order puts after everything the warehouse holds, so it
 * corrects whatever is stale or missing), with `--delete-missing` where the warehouse holds
 * dim rows the source deleted. Undefined when nothing needs repair, or when all that differs
 * is the history of fact rows deleted at the source, which facts keep by design.
 */
export interface Repair {
  readonly sources: readonly string[];
  readonly deleteMissing: boolean;
}

const sourcesOf = (table: TargetTable): string[] => [...table.sources];

export function repairOf(report: TableReport): Repair | undefined {
  const table = targetTable(report.table);
  const sources = new Set<string>();
  let deleteMissing = false;
  if (report.missing.count || report.differing.count) sourcesOf(table).forEach((s) => sources.add(s));
  if (report.extra.count && table.kind === "dim") {
    sourcesOf(table).forEach((s) => sources.add(s));
    deleteMissing = true;
  }
  for (const result of report.tests) {
    if (!result.failures) continue;
    const test = result.test;
    // A dangling reference: the dim it points at lacks the row; read that dim's sources again.
    if (test.kind === "relationships")
      sourcesOf(targetTable(test.to.split(".")[0]!)).forEach((s) => sources.add(s));
    else sourcesOf(table).forEach((s) => sources.add(s));
  }
  return sources.size ? { sources: [...sources].sort(), deleteMissing } : undefined;
}

/** The one command that repairs every table of a report that differs (`totes backfill …`). */
export function repairCommand(reports: readonly TableReport[]): string | undefined {
  const repairs = reports.map(repairOf).filter((r): r is Repair => r !== undefined);
  if (!repairs.length) return undefined;
  const sources = [...new Set(repairs.flatMap((r) => r.sources))].sort();
  const deleteMissing = repairs.some((r) => r.deleteMissing);
  return `npx totes backfill --table ${sources.join(" ")}${deleteMissing ? " --delete-missing" : ""}`;
}
