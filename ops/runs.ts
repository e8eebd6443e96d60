import { listRunRecords, type RunRecord, type RunTable } from "../lib/extract/runs.js";
import { readTransformed } from "../lib/pipeline/transformed.js";
import type { Warehouse } from "../lib/warehouse/warehouse.js";
import type { OpsTarget, StageResources } from "./stage-resources.js";

/** What the history reads: the two buckets (a target, or a running local pipeline's). */
export type RunsSource = Pick<OpsTarget, "store"> & {
  readonly resources: Pick<StageResources, "ingestionBucket" | "processedBucket">;
};

/** Where one ingestion object of a run has got to. */
export interface RunObject {
  readonly key: string;
  /** The transform has stored its outputs (lib/pipeline/transformed.ts). */
  readonly transformed: boolean;
  /** The processed objects its transform produced (a department no staff row points at: none). */
  readonly outputs: readonly string[];
  /** How many of them the load ledger holds; undefined when the warehouse was not read. */
  readonly loadedOutputs?: number;
  /** Transformed, and every output in the ledger. Undefined when the warehouse was not read. */
  readonly loaded?: boolean;
  /** When its last output was loaded (or it was transformed into nothing), ISO 8601 UTC. */
  readonly doneAt?: string;
}

export interface RunHistoryTable extends Omit<RunTable, "objectKeys"> {
  readonly objects: readonly RunObject[];
}

export interface RunHistoryEntry extends Omit<RunRecord, "tables" | "version"> {
  readonly tables: readonly RunHistoryTable[];
  readonly rows: number;
  readonly objects: number;
  readonly transformed: number;
  /** Objects whose every output is loaded; undefined without a warehouse. */
  readonly loaded?: number;
  /** Every object the run produced is loaded (a run that found no change is complete). */
  readonly complete?: boolean;
  /** When the last of its objects was done, and seconds from the run's start to then. */
  readonly completedAt?: string;
  readonly secondsToLoaded?: number;
}

async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

/**
 * The latest `limit` extractions, newest first: each table's window, rows and objects (from the
 * run records, lib/extract/runs.ts), how far each object has got (its transform record in the
 * processed bucket, then the load ledger for every output), and durations. Without a warehouse
 * the load side is left unknown. Reads only.
 */
export async function gatherRuns(
  target: RunsSource,
  warehouse: Warehouse | undefined,
  limit: number,
): Promise<RunHistoryEntry[]> {
  const { store, resources } = target;
  const records = await listRunRecords(store, resources.ingestionBucket, limit);
  const keys = records.flatMap((r) => r.tables.flatMap((t) => t.objectKeys));
  const transforms = new Map(
    await inBatches(
      keys,
      16,
      async (key) => [key, await readTransformed(store, resources.processedBucket, key)] as const,
    ),
  );
  const outputKeys = [...transforms.values()].flatMap((t) => t?.outputs.map((o) => o.objectKey) ?? []);
  const ledger = warehouse ? await warehouse.loadedObjects(outputKeys) : undefined;

  const objectOf = (key: string): RunObject => {
    const record = transforms.get(key);
    const outputs = record?.outputs.map((o) => o.objectKey) ?? [];
    if (!ledger) return { key, transformed: !!record, outputs };
    const times = outputs.flatMap((o) => (ledger.has(o) ? [ledger.get(o)!] : []));
    const loaded = !!record && times.length === outputs.length;
    const doneAt = loaded ? [record.at, ...times].sort().at(-1) : undefined;
    return {
      key,
      transformed: !!record,
      outputs,
      loadedOutputs: times.length,
      loaded,
      ...(doneAt ? { doneAt } : {}),
    };
  };

  return records.map((run): RunHistoryEntry => {
    const tables = run.tables.map(({ objectKeys, ...t }) => ({ ...t, objects: objectKeys.map(objectOf) }));
    const objects = tables.flatMap((t) => t.objects);
    const base = {
      runAt: run.runAt,
      startedAt: run.startedAt,
      seconds: run.seconds,
      trigger: run.trigger,
      tables,
      rows: run.tables.reduce((n, t) => n + t.rows, 0),
      objects: objects.length,
      transformed: objects.filter((o) => o.transformed).length,
    };
    if (!ledger) return base;
    const loaded = objects.filter((o) => o.loaded).length;
    const complete = loaded === objects.length;
    if (!complete) return { ...base, loaded, complete };
    // A run that found no change is done when its extraction is.
    const doneAt = objects
      .map((o) => o.doneAt!)
      .sort()
      .at(-1);
    const completedAt = doneAt ?? new Date(Date.parse(run.startedAt) + run.seconds * 1000).toISOString();
    const secondsToLoaded = doneAt ? (Date.parse(doneAt) - Date.parse(run.startedAt)) / 1000 : run.seconds;
    return { ...base, loaded, complete, completedAt, secondsToLoaded };
  });
}
