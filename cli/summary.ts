import { counted, noun } from "../lib/plural.js";
import type { TableExtract } from "../lib/extract/extract.js";
import type { RunSummary } from "../runtime/local/pipeline.js";

const pad = (s: string | number, n: number) => String(s).padStart(n);

/** `→ key`, or for a window written in parts `→ first … last (n parts)`; a backfilled table says so. */
function objectsOf(t: TableExtract): string {
  const keys = t.objectKeys;
  const objects = keys.length > 1 ? `${keys[0]} … ${keys.at(-1)} (${keys.length} parts)` : (keys[0] ?? "");
  return `→ ${objects}${t.full ? "  (read in full)" : ""}`;
}

/** The per-table report of one run: rows extracted, rows written per star table, dead letters, quarantine, time. */
export function formatSummary(summary: RunSummary): string {
  const lines: string[] = [];
  const caught = summary.caughtUp;
  if (caught)
    lines.push(
      `catch-up: the warehouse lacked ${counted(caught.missing.length, "object")} this pipeline had loaded (restored from a backup?): loaded again, ${counted(caught.rowsWritten, "row")} written` +
        (caught.failed.length
          ? `; ${counted(caught.failed.length, "object")} failed, the first: ${caught.failed[0]!.objectKey}: ${caught.failed[0]!.error}`
          : ""),
    );
  if (summary.viewsDeferred)
    lines.push(
      "views: the current-version views and comments were not re-applied (a reader held them past the lock timeout); loads went on, the next run tries again",
    );
  const extracted = summary.extract.tables.filter((t) => t.rows > 0);
  lines.push(`extract  ${summary.extract.runAt}`);
  if (extracted.length === 0) lines.push("  no changes since the last run");
  for (const t of extracted)
    lines.push(`  ${t.table.padEnd(22)}${pad(t.rows, 9)} ${noun(t.rows, "row").padEnd(4)}   ${objectsOf(t)}`);
  lines.push("load");
  if (summary.loaded.length === 0) lines.push("  nothing loaded");
  for (const t of summary.loaded)
    lines.push(
      `  ${t.table.padEnd(22)}${pad(t.rowsWritten, 9)} ${noun(t.rowsWritten, "row").padEnd(4)} written from ${t.rowsIn} in ${counted(t.objects, "object")}`,
    );
  const q = summary.quarantine;
  lines.push(
    `quarantined rows: ${q.quarantined} this run, ${q.settled} settled, ${q.unsettled} unsettled in all`,
    `dead letters: transform ${summary.deadLetters.transform}, load ${summary.deadLetters.load}   (${summary.seconds.toFixed(1)} s)`,
  );
  return lines.join("\n");
}
