import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { isSourceTableName } from "../lib/catalog/index.js";
import { parseIngestionKey, runStamp } from "../lib/pipeline/keys.js";
import {
  listQuarantine,
  readQuarantineRecord,
  recordResolution,
  type QuarantineEntry,
} from "../lib/pipeline/quarantine.js";
import { awsRegion } from "../runtime/aws/ops-target.js";
import { s3EventMessage } from "../runtime/local/lambda/s3-event.js";
import { OpsError } from "./errors.js";
import type { OpsTarget } from "./stage-resources.js";

/*
 * The operators' side of the row quarantine (see lib/pipeline/quarantine.ts): list and show
 * quarantined rows, replay their objects through the transform, or settle rows by hand.
 */

export function parseTableName(text: string): string {
  if (isSourceTableName(text)) return text;
  throw new OpsError(`"${text}" is not a source table (the quarantine is kept per source table)`);
}

/** Every quarantined row of the target (one table, or all), oldest object first; settled ones only with `all`. */
export async function listQuarantined(
  target: OpsTarget,
  options: { table?: string; all?: boolean } = {},
): Promise<QuarantineEntry[]> {
  const table = options.table === undefined ? undefined : parseTableName(options.table);
  const entries = await listQuarantine(target.store, target.resources.ingestionBucket, table);
  return options.all ? entries : entries.filter((e) => !e.resolved);
}

/** The quarantined rows of one object (an ingestion key), or every quarantined row of one natural id. */
export async function showQuarantined(
  target: OpsTarget,
  table: string,
  what: string,
): Promise<QuarantineEntry[]> {
  const entries = await listQuarantined(target, { table, all: true });
  const found = parseIngestionKey(what)
    ? entries.filter((e) => e.objectKey === what)
    : entries.filter((e) => e.id === what);
  if (found.length === 0)
    throw new OpsError(
      `nothing of ${table} ${parseIngestionKey(what) ? "object" : "id"} ${what} is quarantined in ${target.description}; \`totes quarantine list --all\` shows what is`,
    );
  return found;
}

export interface QuarantineReplayReport {
  readonly dryRun: boolean;
  /** Objects sent (or, on a dry run, that would be) to the transform queue, with their unsettled rows. */
  readonly objects: readonly {
    readonly table: string;
    readonly objectKey: string;
    readonly rows: number;
    readonly messageId?: string;
  }[];
  readonly failed: readonly { readonly objectKey: string; readonly error: string }[];
}

/** An S3 notification for an object, as S3 would send it, so the transform takes it like any other. */
const notificationFor = (target: OpsTarget, objectKey: string): string =>
  s3EventMessage({
    region: awsRegion(),
    bucket: target.resources.ingestionBucket,
    key: objectKey,
    eventName: "ObjectCreated:Put",
    configurationId: "totes-quarantine-replay",
    requestId: "totes-quarantine-replay",
    hostId: "totes-quarantine-replay",
    sourceIp: "127.0.0.1",
  });

/**
 * Sends the objects that hold unsettled quarantined rows back to the transform queue: the
 * transform re-reads the immutable CSV and re-validates every row with the code deployed
 * now. Rows that pass (after a catalog fix) flow, under output keys of their own, and are
 * marked passed in the object's record; rows that still fail stay quarantined. The rest of
 * the object goes through again, which the load absorbs (facts once per version, dims
 * version-guarded, objects in the ledger).
 */
export async function replayQuarantined(
  target: OpsTarget,
  options: { table?: string; objects?: readonly string[]; dryRun?: boolean } = {},
): Promise<QuarantineReplayReport> {
  const wanted = new Set(options.objects ?? []);
  const open = (await listQuarantined(target, { table: options.table })).filter(
    (e) => wanted.size === 0 || wanted.has(e.objectKey),
  );
  const byObject = new Map<string, { table: string; objectKey: string; rows: number }>();
  for (const e of open) {
    const entry = byObject.get(e.objectKey) ?? { table: e.table, objectKey: e.objectKey, rows: 0 };
    entry.rows++;
    byObject.set(e.objectKey, entry);
  }
  for (const key of wanted)
    if (!byObject.has(key))
      throw new OpsError(`${key} has no unsettled quarantined rows in ${target.description}`);
  const selected = [...byObject.values()];
  if (options.dryRun) return { dryRun: true, objects: selected, failed: [] };
  const objects: QuarantineReplayReport["objects"][number][] = [];
  const failed: { objectKey: string; error: string }[] = [];
  for (let start = 0; start < selected.length; start += 10) {
    const page = selected.slice(start, start + 10);
    const sent = await target.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: target.resources.transformQueueUrl,
        Entries: page.map((o, n) => ({ Id: String(n), MessageBody: notificationFor(target, o.objectKey) })),
      }),
    );
    for (const s of sent.Successful ?? []) objects.push({ ...page[Number(s.Id)]!, messageId: s.MessageId });
    for (const f of sent.Failed ?? [])
      failed.push({
        objectKey: page[Number(f.Id)]?.objectKey ?? "?",
        error: `${f.Code}: ${f.Message ?? ""}`,
      });
  }
  return { dryRun: false, objects, failed };
}

/**
 * Settles quarantined rows by an operator's decision (the row was deleted at the source,
 * or its loss is accepted), with a note saying why. Rows stay listed, marked settled.
 */
export async function resolveQuarantined(
  target: OpsTarget,
  options: { table: string; objectKey: string; rows?: readonly number[]; note: string },
): Promise<QuarantineEntry[]> {
  const table = parseTableName(options.table);
  if (!options.note.trim()) throw new OpsError("say why with --note: it is kept with the rows");
  const record = await readQuarantineRecord(
    target.store,
    target.resources.ingestionBucket,
    table,
    options.objectKey,
  );
  if (!record)
    throw new OpsError(
      `no quarantine record of ${table} object ${options.objectKey} in ${target.description}`,
    );
  const open = (await listQuarantined(target, { table })).filter((e) => e.objectKey === options.objectKey);
  const wanted = new Set(options.rows ?? []);
  const chosen = open.filter((e) => wanted.size === 0 || wanted.has(e.row));
  const missing = [...wanted].filter((row) => !open.some((e) => e.row === row));
  if (missing.length)
    throw new OpsError(
      `row ${missing.join(", ")} of ${options.objectKey} is not an unsettled quarantined row`,
    );
  if (chosen.length === 0) return [];
  const at = new Date();
  await recordResolution(target.store, target.resources.ingestionBucket, `operator-${runStamp(at)}`, {
    table,
    at: at.toISOString(),
    by: { kind: "operator", note: options.note },
    rows: chosen.map((e) => ({ objectKey: e.objectKey, row: e.row })),
  });
  return chosen;
}
