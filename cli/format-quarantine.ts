import { counted } from "../lib/plural.js";
import type { QuarantineEntry } from "../lib/pipeline/quarantine.js";
import type { QuarantineReplayReport } from "../ops/quarantine.js";

/** The error without the table and object it starts with (the block's heading says them). */
const problemOf = (e: QuarantineEntry) => e.error.replace(`${e.table} (${e.objectKey}): `, "");

const settledText = (e: QuarantineEntry) => {
  if (!e.resolved) return "unsettled";
  const how = {
    "newer-version": "a newer version went through:",
    "passed-on-replay": "passed when replayed",
    operator: "settled by an operator:",
  }[e.resolved.how];
  return `settled ${e.resolved.at}, ${how}${e.resolved.how === "passed-on-replay" ? "" : ` ${e.resolved.detail}`}`;
};

function blocks(entries: readonly QuarantineEntry[], withStatus: boolean): string[] {
  const byObject = new Map<string, QuarantineEntry[]>();
  for (const e of entries) byObject.set(e.objectKey, [...(byObject.get(e.objectKey) ?? []), e]);
  return [...byObject.values()].map((rows) => {
    const first = rows[0]!;
    return [
      `${first.table}  ${first.objectKey}  (quarantined ${first.quarantinedAt}, last transformed ${first.checkedAt})`,
      ...rows.flatMap((e) => [
        `  ${problemOf(e)}${e.id === null ? "" : `   [id ${e.id}${e.version ? `, version ${e.version}` : ""}]`}`,
        ...(withStatus ? [`    ${settledText(e)}`] : []),
      ]),
    ].join("\n");
  });
}

/** `totes quarantine list`: unsettled rows by object (and with `all`, the settled ones marked). */
export function formatQuarantine(entries: readonly QuarantineEntry[], where: string, all: boolean): string {
  const open = entries.filter((e) => !e.resolved);
  const settled = entries.length - open.length;
  const shown = all ? entries : open;
  const settledNote = settled ? `; ${counted(settled, "settled row")}${all ? "" : " not shown (--all)"}` : "";
  if (shown.length === 0) return `no unsettled quarantined rows in ${where}${settledNote}`;
  return [
    `${counted(open.length, "unsettled quarantined row")} in ${where}${settledNote}:`,
    ...blocks(shown, all),
  ].join("\n\n");
}

/** `totes quarantine show`: each row in full, with how it was settled. */
export function formatQuarantineShow(entries: readonly QuarantineEntry[]): string {
  return entries
    .map((e) =>
      [
        `${e.table} row ${e.row} of ${e.objectKey}`,
        `  id        ${e.id ?? "(not a valid id)"}`,
        `  version   ${e.version ?? "(not a valid timestamp)"}`,
        `  column    ${e.column}`,
        `  cell      ${e.excerpt === null ? "NULL" : JSON.stringify(e.excerpt)}`,
        `  error     ${e.error}`,
        `  since     ${e.quarantinedAt} (last transformed ${e.checkedAt})`,
        `  status    ${settledText(e)}`,
      ].join("\n"),
    )
    .join("\n\n");
}

export function formatQuarantineReplay(report: QuarantineReplayReport, where: string): string {
  const verb = report.dryRun ? "would send" : "sent";
  const lines = [
    `${verb} ${counted(report.objects.length, "object")} with quarantined rows back to the transform queue of ${where}${report.dryRun ? " (dry run: nothing changed)" : ""}`,
    ...report.objects.map(
      (o) =>
        `  ${o.objectKey}  ${counted(o.rows, "unsettled row")}${o.messageId ? `  (message ${o.messageId})` : ""}`,
    ),
  ];
  for (const f of report.failed) lines.push(`not sent: ${f.objectKey}: ${f.error}`);
  return lines.join("\n");
}
