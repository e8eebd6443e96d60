import { counted } from "../lib/plural.js";
import type { DeadLetter } from "../ops/dead-letters.js";
import type { ReplayReport } from "../ops/replay.js";
import type { PipelineStatus } from "../ops/status.js";

const or = (value: string | number | undefined | null, fallback = "-") =>
  value === undefined || value === null ? fallback : String(value);

/** One block per message: id, objects, counts and times, the last error in full. */
export function formatDeadLetters(letters: readonly DeadLetter[], queue: string, where: string): string {
  if (letters.length === 0) return `the ${queue} DLQ of ${where} is empty`;
  const blocks = letters.map((l) =>
    [
      `${l.messageId}`,
      `  objects:   ${l.objectKeys.length ? l.objectKeys.join(", ") : "(none readable)"}`,
      `  receives:  ${or(l.receiveCount)} by the pipeline (SQS count ${l.sqsReceiveCount})`,
      `  failures:  ${l.failures.length} recorded, first ${or(l.firstFailureAt)}, last ${or(l.lastFailureAt)}`,
      `  error:     ${or(l.lastError ?? l.unreadable, "(no failure recorded)")}`,
    ].join("\n"),
  );
  return [`${counted(letters.length, "message")} in the ${queue} DLQ of ${where}:`, ...blocks].join("\n\n");
}

export function formatDeadLetter(letter: DeadLetter): string {
  const lines = [
    `message   ${letter.messageId} (${letter.queue} DLQ)`,
    `objects   ${letter.objectKeys.join(", ") || "(none readable)"}`,
    `sent      ${or(letter.sentAt)}`,
    `receives  ${or(letter.receiveCount)} by the pipeline (SQS count ${letter.sqsReceiveCount})`,
  ];
  if (letter.unreadable) lines.push(`unreadable ${letter.unreadable}`);
  lines.push("attributes", ...Object.entries(letter.attributes).map(([k, v]) => `  ${k}: ${v}`));
  lines.push("body", letter.body);
  lines.push(`failure history (${letter.failures.length})`);
  for (const f of letter.failures)
    lines.push(
      `  ${f.at}  receive ${f.receiveCount}  message ${f.messageId}  ${f.objectKey}`,
      `    ${f.error}`,
    );
  return lines.join("\n");
}

export function formatReplay(report: ReplayReport, where: string): string {
  if (report.moveTask)
    return `started an SQS move task for the ${report.queue} DLQ of ${where}: about ${counted(report.moveTask.approximateMessages, "message")} back to the ${report.queue} queue (task ${report.moveTask.taskHandle})`;
  const verb = report.dryRun ? "would move" : "moved";
  const lines = [
    `${verb} ${counted(report.moved.length, "message")} from the ${report.queue} DLQ of ${where} back to the ${report.queue} queue${report.dryRun ? " (dry run: nothing changed)" : ""}`,
    ...report.moved.map(
      (m) =>
        `  ${m.messageId}${m.newMessageId ? ` → ${m.newMessageId}` : ""}  ${m.objectKeys.join(", ") || "(no object key)"}`,
    ),
  ];
  if (report.notFound.length) lines.push(`not in the DLQ: ${report.notFound.join(", ")}`);
  for (const f of report.failed) lines.push(`not moved: ${f.messageId}: ${f.error}`);
  return lines.join("\n");
}

/** A queue as people name it: "transform DLQ", not the resource key "transformDlq". */
const queueName = (key: string): string => key.replace(/Dlq$/, " DLQ");

/** Every time it shows is ISO 8601 (UTC ones end in Z, as `Date.toISOString` writes them). */
export function formatStatus(status: PipelineStatus): string {
  const lines = [
    `status of ${status.target}`,
    "",
    // Each header says what its column holds: the cursor's time, when the table last gave
    // rows, and how many that extraction read (not the table's size).
    "source table           changes read up to (UTC)       last extracted (UTC)  rows then",
  ];
  for (const t of status.tables)
    lines.push(
      `  ${t.table.padEnd(21)}${or(t.readUpTo, "not yet (next run reads all)").padEnd(31)}${or(t.lastExtractedAt).padEnd(25)}${or(t.lastRows).padStart(6)}`,
    );
  lines.push(
    "",
    status.lastRun
      ? `last run  ${status.lastRun.runAt}: ${counted(status.lastRun.objects, "object")}, ${counted(status.lastRun.rows, "row")}`
      : "last run  none",
    "",
    "queue (messages)   visible  in flight  delayed",
  );
  for (const [name, d] of Object.entries(status.queues))
    lines.push(
      `  ${queueName(name).padEnd(16)}${String(d.visible).padStart(8)}${String(d.inFlight).padStart(11)}${String(d.delayed).padStart(9)}`,
    );
  const w = status.warehouse;
  lines.push("");
  if (!w)
    lines.push("warehouse  not read (no warehouse yet here: pass --warehouse URL, or `npx totes run` first)");
  else if ("error" in w) lines.push(`warehouse  ${w.url}: cannot read: ${w.error}`);
  else {
    lines.push(
      `warehouse  ${w.url}: ${counted(w.objectsLoaded, "object")} loaded, last at ${or(w.lastLoadedAt)}`,
    );
    lines.push("  warehouse table                 rows");
    for (const t of w.tables) lines.push(`  ${t.table.padEnd(26)}${or(t.rows, "(missing)").padStart(10)}`);
  }
  return lines.join("\n");
}
