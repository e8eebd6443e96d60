import { counted } from "../lib/plural.js";
import { repairCommand, type TableReport, type VerifyReport } from "../lib/verify/index.js";

const bytes = (n: number) =>
  n >= 1_000_000 ? `${(n / 1_000_000).toFixed(1)} MB` : n >= 1000 ? `${(n / 1000).toFixed(1)} kB` : `${n} B`;

const ids = (list: { count: number; ids: readonly number[] }) =>
  `${list.ids.join(", ")}${list.count > list.ids.length ? `, … (${list.count - list.ids.length} more)` : ""}`;

const quoted = (v: string | null) => (v === null ? "NULL" : JSON.stringify(v));

function rowsLine(t: TableReport): string {
  if (!t.rowsCompared) return "no source: data tests only";
  const held = t.kind === "fact" ? "current versions in the warehouse" : "in the warehouse";
  return `${t.sourceRows} source rows, ${t.warehouseRows} ${held}`;
}

function tableBlock(t: TableReport): string[] {
  const lines = [`  ${t.table.padEnd(20)} ${(t.mismatches ? "DIFFERS" : "equal").padEnd(8)} ${rowsLine(t)}`];
  if (t.missing.count)
    lines.push(
      `      missing    ${t.missing.count} (in the source, not in the warehouse): ${ids(t.missing)}`,
    );
  if (t.extra.count)
    lines.push(
      `      extra      ${t.extra.count} (in the warehouse, deleted at the source): ${ids(t.extra)}` +
        (t.kind === "fact"
          ? " (a fact keeps the history of rows deleted at the source; no repair removes it)"
          : ""),
    );
  if (t.differing.count) {
    const shown = t.differing.rows.map((r) => r.id);
    lines.push(`      differing  ${t.differing.count}: ${ids({ count: t.differing.count, ids: shown })}`);
    for (const row of t.differing.rows)
      for (const c of row.columns)
        lines.push(
          `        ${t.table} ${row.id}  ${c.column}: source ${quoted(c.source)}, warehouse ${quoted(c.warehouse)}`,
        );
  }
  for (const test of t.tests)
    if (test.failures)
      lines.push(
        `      test       ${test.name} FAILED: ${test.failures}${test.examples.length ? ` (${test.examples.join("; ")})` : ""}`,
      );
  return lines;
}

/** The report of `totes verify`: one line per table, the differences under it, then the verdict. */
export function formatVerifyReport(report: VerifyReport, where?: string): string {
  const tests = report.tables.flatMap((t) => t.tests);
  const failedTests = tests.filter((t) => t.failures > 0).length;
  const moved = report.tables.reduce((n, t) => n + t.bytes, 0);
  const queries = report.tables.reduce((n, t) => n + t.queries, 0);
  const differing = report.tables.filter((t) => t.mismatches > 0).map((t) => t.table);
  const lines = [
    `verify  ${report.verifiedAt}${where ? `  ${where}` : ""}`,
    ...report.tables.flatMap(tableBlock),
    `data tests: ${tests.length - failedTests} passed, ${failedTests} failed`,
    report.equal
      ? `verify: the warehouse equals the source (${counted(report.tables.length, "table")}; ${report.seconds.toFixed(1)} s, ${counted(queries, "query", "queries")}, ${bytes(moved)} moved)`
      : `verify: ${counted(report.mismatches, "mismatch", "mismatches")} in ${differing.join(", ")} (${report.seconds.toFixed(1)} s, ${counted(queries, "query", "queries")}, ${bytes(moved)} moved)`,
  ];
  const repair = repairCommand(report.tables);
  if (repair) lines.push(`repair: ${repair}`);
  return lines.join("\n");
}
