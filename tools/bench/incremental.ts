import path from "node:path";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { LocalPipeline } from "../../runtime/local/pipeline.js";
import { s3Client } from "../../runtime/aws/clients.js";
import { columnNames, sourceTable } from "../../lib/catalog/index.js";
import { createPool, withTransaction, type Pool, type PoolClient } from "../../lib/db/pool.js";
import { quoteIdent } from "../../lib/db/identifiers.js";
import { ObjectStore } from "../../lib/store/object-store.js";
import type { BenchContext, Measured } from "./context.js";
import { round, storeOf } from "./stages.js";

const NEW_SALES = 4;
const NEW_PURCHASES = 1;
const PAYMENTS_FLIPPED = 3;
const SALES_UPDATED = 2;

/** Copies of the newest rows of a table, stamped `at`, with some columns overridden; returns new ids. */
async function copyNewest(
  client: PoolClient,
  table: string,
  count: number,
  at: string,
  overrides: Record<string, string> = {},
  where = "true",
): Promise<number[]> {
  const t = sourceTable(table);
  const columns = columnNames(t).filter((c) => c !== t.primaryKey);
  const values = columns.map((c) =>
    c === "created_at" || c === "last_updated" ? "$1::timestamp(3)" : (overrides[c] ?? quoteIdent(c)),
  );
  const { rows } = await client.query<{ id: number }>(
    `INSERT INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(", ")})
       SELECT ${values.join(", ")} FROM ${quoteIdent(table)} WHERE ${where}
        ORDER BY ${quoteIdent(t.primaryKey)} DESC LIMIT ${count}
     RETURNING ${quoteIdent(t.primaryKey)} AS id`,
    [at],
  );
  return rows.map((r) => r.id);
}

/**
 * About 20 minutes of activity, made by hand (simulate's days mode works in days): a few new
 * sales and purchase orders with their transactions and payments, payments flipped to paid and
 * sales orders amended. Everything is stamped 10 s before the database's clock, which is after
 * every row already there (the scale data ends days earlier) and outside extract's 5 s settle.
 */
export async function makeDelta(source: Pool): Promise<number> {
  return withTransaction(source, async (client) => {
    const { rows } = await client.query<{ at: string }>(
      `SELECT (localtimestamp - interval '10 seconds')::timestamp(3)::text AS at`,
    );
    const at = rows[0]!.at;
    const sales = await copyNewest(client, "sales_order", NEW_SALES, at);
    const purchases = await copyNewest(client, "purchase_order", NEW_PURCHASES, at);
    const transactions: number[] = [];
    for (const [type, column, ids] of [
      ["SALE", "sales_order_id", sales],
      ["PURCHASE", "purchase_order_id", purchases],
    ] as const)
      for (const id of ids) {
        const { rows: made } = await client.query<{ id: number }>(
          `INSERT INTO "transaction" (transaction_type, ${column}, created_at, last_updated)
             VALUES ($1, $2, $3, $3) RETURNING transaction_id AS id`,
          [type, id, at],
        );
        transactions.push(made[0]!.id);
      }
    let payments = 0;
    for (const id of transactions)
      payments += (
        await copyNewest(client, "payment", 1, at, { transaction_id: String(Number(id)), paid: "false" })
      ).length;
    const flipped = await client.query(
      `UPDATE payment SET paid = true, last_updated = $1 WHERE payment_id IN (
         SELECT payment_id FROM payment WHERE NOT paid ORDER BY payment_id LIMIT ${PAYMENTS_FLIPPED})`,
      [at],
    );
    const amended = await client.query(
      `UPDATE sales_order SET units_sold = units_sold + 1, last_updated = $1 WHERE sales_order_id IN (
         SELECT sales_order_id FROM sales_order WHERE NOT (sales_order_id = ANY($2::int[]))
          ORDER BY sales_order_id DESC LIMIT ${SALES_UPDATED})`,
      [at, sales],
    );
    return (
      sales.length +
      purchases.length +
      transactions.length +
      payments +
      (flipped.rowCount ?? 0) +
      (amended.rowCount ?? 0)
    );
  });
}

/** Gives the local runtime the state the stages left: extract's high marks and transform's join state. */
async function adoptState(ctx: BenchContext, local: LocalPipeline): Promise<void> {
  const from = storeOf(ctx);
  const s3 = s3Client(local.endpoint);
  const to = new ObjectStore(s3);
  const pairs = [
    [ctx.ingestionBucket, local.pipeline.resources.ingestionBucket],
    [ctx.processedBucket, local.pipeline.resources.processedBucket],
  ] as const;
  for (const [source, target] of pairs) {
    await s3.send(new CreateBucketCommand({ Bucket: target })).catch(() => undefined);
    for await (const o of from.list(source, "_state/")) {
      const object = await from.getBytes(source, o.key);
      if (object) await to.putBytes(target, o.key, object.body);
    }
  }
}

interface RunFigures {
  rowsChanged: number;
  rowsExtracted: number;
  toCommitSeconds: number;
  runOnceSeconds: number;
  objectsLoaded: number;
  deadLetters: number;
  /** Time in extract's changed tables (the max() probes of unchanged ones excluded). */
  extractSeconds: number;
  batches: string[];
}

async function oneRun(ctx: BenchContext, local: LocalPipeline, source: Pool, warehouse: Pool) {
  const rowsChanged = await makeDelta(source);
  let lastLoad = 0;
  const batches: string[] = [];
  const started = performance.now();
  const summary = await local.runOnce({ source, warehouse }, (batch) => {
    if (batch.messages === 0) return;
    const at = performance.now();
    if (batch.source === "load") lastLoad = at;
    batches.push(
      `${batch.source} ×${batch.messages} ${Math.round(batch.durationMs)} ms, done at ${Math.round(at - started)} ms`,
    );
  });
  const ended = performance.now();
  const figures: RunFigures = {
    rowsChanged,
    rowsExtracted: summary.extract.tables.reduce((n, t) => n + t.rows, 0),
    toCommitSeconds: round(((lastLoad || ended) - started) / 1000),
    runOnceSeconds: round((ended - started) / 1000),
    objectsLoaded: summary.loaded.reduce((n, t) => n + t.objects, 0),
    deadLetters: summary.deadLetters.transform + summary.deadLetters.load,
    extractSeconds: round(summary.extract.tables.reduce((n, t) => n + t.seconds, 0)),
    batches,
  };
  return figures;
}

/**
 * A 20-minute delta from extraction start to the last warehouse commit, through the local
 * runtime (LocalPipeline: the Lambda handlers driven by the local S3 notifications and SQS
 * pollers), on the warehouse the load stage filled. Two runs: the first in a fresh process
 * (pools, DuckDB and SDK clients made on the way), the second warm, as `--every 20m` runs.
 */
export async function incrementalStage(ctx: BenchContext): Promise<Measured> {
  const local = await LocalPipeline.start(path.join(ctx.workDir, "local-runtime"));
  // As the extract function's pool (runtime/aws/config.ts): two connections, two tables at once.
  const source = createPool(ctx.sourceUrl, { max: 2 });
  const warehouse = createPool(ctx.warehouseUrl, { max: 1 });
  try {
    await adoptState(ctx, local);
    const cold = await oneRun(ctx, local, source, warehouse);
    const warm = await oneRun(ctx, local, source, warehouse);
    return { rows: cold.rowsExtracted, seconds: cold.toCommitSeconds, detail: { cold, warm } };
  } finally {
    await source.end();
    await warehouse.end();
    await local.stop();
  }
}
