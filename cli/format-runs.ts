import { counted, noun } from "../lib/plural.js";
import type { MissingRows, RunHistoryEntry } from "../ops/index.js";

const seconds = (s: number) => `${s.toFixed(1)} s`;

/** `12.3 s`, `4 min 05 s`, `2 h 03 min` */
function duration(s: number): string {
  if (s < 60) return seconds(s);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

function loadState(run: RunHistoryEntry): string {
  if (run.loaded === undefined)
    return `${run.transformed}/${run.objects} transformed, loads unknown (no warehouse read)`;
  if (run.complete)
    return run.objects === 0
      ? "nothing to load"
      : `loaded: all ${counted(run.objects, "object")}, ${duration(run.secondsToLoaded ?? 0)} after the start`;
  return `NOT LOADED: ${run.loaded}/${run.objects} objects loaded, ${run.transformed}/${run.objects} transformed`;
}

/** `totes runs`: one block per extraction, newest first. */
export function formatRuns(runs: readonly RunHistoryEntry[], where: string): string {
  if (runs.length === 0) return `no extraction runs recorded in ${where}`;
  const blocks = runs.map((run) => {
    const changed = run.tables.filter((t) => t.rows > 0 || t.full);
    const head = `${run.runAt}  ${run.trigger.padEnd(11)} ${counted(run.rows, "row")} in ${counted(run.objects, "object")}, extracted in ${seconds(run.seconds)}; ${loadState(run)}`;
    const lines = changed.map((t) => {
      const window = t.full
        ? "in full"
        : t.from === null
          ? "whole table (no cursor)"
          : `xid ${t.from} → ${t.to}`;
      const parts = t.objects.length > 1 ? ` in ${t.objects.length} parts` : "";
      const waiting = t.objects.filter(
        (o) => o.loaded === false || (o.loaded === undefined && !o.transformed),
      );
      const pending = waiting.length
        ? `  (${waiting.length} not ${run.loaded === undefined ? "transformed" : "loaded"}: ${waiting.map((o) => o.key).join(", ")})`
        : "";
      return `  ${t.table.padEnd(16)} ${String(t.rows).padStart(9)} ${noun(t.rows, "row").padEnd(4)}${parts}  ${window}${pending}`;
    });
    return [head, ...(lines.length ? lines : ["  no changes"])].join("\n");
  });
  return [`extraction runs in ${where}, newest first`, ...blocks].join("\n");
}

/** What `backfill --delete-missing` removed, per dim. */
export function formatMissingRows(report: readonly MissingRows[]): string {
  if (report.length === 0) return "delete-missing: no dim is keyed by these tables";
  return report
    .map((r) =>
      r.ids.length === 0
        ? `delete-missing: ${r.dim}: every natural id is still in ${r.source}`
        : `delete-missing: ${r.dim}: deleted ${counted(r.deleted, "row")} whose ${r.source} rows are gone at the source (ids ${r.ids.join(", ")})`,
    )
    .join("\n");
}
