import { EXTRACT_STATE_KEY, parseExtractState } from "../../lib/extract/state.js";
import { LOCAL_BUCKETS, TOPOLOGY } from "../../lib/pipeline/topology.js";
import type { Warehouse } from "../../lib/warehouse/warehouse.js";
import { statusOf, type PipelineStatus, type StatusParts } from "../../ops/status-report.js";
import { readSavedState, savedObjectBody, savedQueueMessages } from "../../runtime/local/aws/saved-state.js";
import { Databases } from "../databases.js";
import { openWarehouse } from "../open-warehouse.js";
import { dataDirFrom } from "../data-dir.js";
import { formatStatus } from "../format.js";
import type { WhereOptions } from "../options.js";

export interface StatusOptions extends WhereOptions {
  /** A postgres:// or redshift:// URL; false for --no-warehouse; undefined: locally the embedded one, on AWS none. */
  warehouse?: string | false;
  json?: boolean;
}

/**
 * A local data dir's status from its saved files alone (`<dataDir>/aws/`): the extract state
 * object and the queues' messages, without starting the S3/SQS stand-in or loading the AWS
 * SDK, which were most of a status's second. Undefined when nothing was saved yet.
 */
async function savedLocalParts(dataDir: string): Promise<StatusParts | undefined> {
  const saved = await readSavedState(dataDir);
  if (!saved) return undefined;
  const body = await savedObjectBody(dataDir, saved, LOCAL_BUCKETS.ingestion, EXTRACT_STATE_KEY);
  // Restored, every saved message is visible again: that is what the next run will see.
  const depth = (queue: string) => ({ visible: savedQueueMessages(saved, queue), inFlight: 0, delayed: 0 });
  return {
    description: `data directory ${dataDir}`,
    state: parseExtractState(body),
    queues: {
      transform: depth(TOPOLOGY.transform.queue.localName),
      transformDlq: depth(TOPOLOGY.transform.dlq.localName),
      load: depth(TOPOLOGY.load.queue.localName),
      loadDlq: depth(TOPOLOGY.load.dlq.localName),
    },
  };
}

export async function readStatus(opts: StatusOptions): Promise<PipelineStatus> {
  // The deployed path loads the AWS clients; only it does.
  const { targetOptions } = opts.stage ? await import("./dlq.js") : { targetOptions: undefined };
  const where = targetOptions
    ? { ...targetOptions(opts), readOnly: true }
    : { stage: undefined, dataDir: dataDirFrom(opts.dataDir), outputsFile: undefined, readOnly: true };
  const dbs = new Databases(where.dataDir, { readOnly: true });
  try {
    // The warehouse (perhaps an embedded server to start) opens while the local state is read.
    const warehouse = dbs
      .readOnlyWarehouse(opts)
      .then(async (named) => (named ? (await openWarehouse(dbs, named)).warehouse : undefined));
    warehouse.catch(() => undefined); // awaited below; a failure is reported there
    const local = opts.stage ? undefined : await savedLocalParts(where.dataDir);
    if (local) return await statusOf(local, await warehouse);
    const [{ withTarget }, { gatherStatus }] = await Promise.all([
      import("../../ops/open-target.js"),
      import("../../ops/status.js"),
    ]);
    const fromTarget: (w?: Warehouse) => Promise<PipelineStatus> = (w) =>
      withTarget(where, async ({ target }) => gatherStatus(target, w));
    return await fromTarget(await warehouse);
  } finally {
    await dbs.close();
  }
}

export async function statusCommand(opts: StatusOptions): Promise<string> {
  const status = await readStatus(opts);
  return opts.json ? JSON.stringify(status, null, 2) : formatStatus(status);
}
