import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  type S3Client,
} from "@aws-sdk/client-s3";
import { buildApp } from "fauxqs";
import { s3Client } from "../../runtime/aws/clients.js";
import { SOURCE_TABLES } from "../../lib/catalog/index.js";
import { startEmbeddedPostgres } from "../../runtime/local/postgres/embedded.js";
import { createPool, type Pool } from "../../lib/db/pool.js";
import { quoteIdent } from "../../lib/db/identifiers.js";
import { initSource } from "../source/init.js";
import { simulate } from "../source/simulate.js";
import { ANCHOR_BUCKET, type BenchContext } from "./context.js";

export interface World {
  readonly ctx: BenchContext;
  readonly source: { salesOrders: number; rows: Record<string, number>; shiftedDays: number };
  /** The cluster's postmaster, for its CPU (cpu.ts). */
  readonly postmasterPid: number;
  /** A new empty database on the cluster (dropped first if it exists); its URL. */
  freshDatabase(name: string): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  /** A new empty bucket (emptied first if it exists). */
  freshBucket(name: string): Promise<void>;
  /** Deletes every object under `prefix` (default: all), and the bucket too when no prefix is given. */
  removeObjects(bucket: string, prefix?: string): Promise<void>;
  /**
   * Brings the cluster to the same quiet state before each measured child: dirty buffers the
   * previous one left are written now (`CHECKPOINT`), not during the next one's timing.
   */
  settle(): Promise<void>;
  close(): Promise<void>;
}

async function removeObjects(s3: S3Client, bucket: string, prefix?: string): Promise<void> {
  for (;;) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1000 }));
    const keys = (listed.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (keys.length === 0) break;
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
  }
  if (prefix === undefined) await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}

/** Scale mode spreads its orders over at most ~1,095 days after the newest row. */
const SCALE_SPAN_DAYS = 1100;

/**
 * Scale mode spreads its orders over up to ~1,095 days after the newest row and stamps nothing
 * after the present: from the 2024-11-15 sample that leaves only the days up to today. So the
 * sample's timestamps are first moved back (a few tens of thousands of rows: cheap), far
 * enough that the whole span is in the past and every scale gets the same spread of days.
 */
async function shiftSampleBack(pool: Pool): Promise<number> {
  const latest = SOURCE_TABLES.map(
    (t) => `SELECT max(greatest(created_at, last_updated)) AS m FROM ${quoteIdent(t.name)}`,
  ).join(" UNION ALL ");
  const { rows } = await pool.query<{ days: number }>(
    `SELECT greatest(0, (max(m)::date + ${SCALE_SPAN_DAYS + 3}) - current_date)::int AS days FROM (${latest}) x`,
  );
  const days = rows[0]!.days;
  if (days > 0)
    for (const t of SOURCE_TABLES)
      await pool.query(
        `UPDATE ${quoteIdent(t.name)} SET created_at = created_at - make_interval(days => $1),
           last_updated = last_updated - make_interval(days => $1)`,
        [days],
      );
  return days;
}

async function tableCounts(pool: Pool): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of SOURCE_TABLES) {
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quoteIdent(t.name)}`);
    counts[t.name] = rows[0]!.n;
  }
  return counts;
}

/**
 * A throwaway world: an embedded Postgres cluster (source and warehouse databases) and a fauxqs
 * S3 endpoint on 127.0.0.1, in a temp dir; the source holds the sample plus scale × 1M orders.
 */
export async function buildWorld(scale: number, log: (line: string) => void): Promise<World> {
  const workDir = await mkdtemp(path.join(tmpdir(), "totes-bench-"));
  // As root, Postgres runs as `postgres`, and a cluster under a private (0700) dir would be put
  // in /var/tmp instead (runtime/local/postgres/embedded.ts); opened up, the cluster stays inside the work dir.
  await chmod(workDir, 0o755);
  const closers: (() => Promise<unknown>)[] = [() => rm(workDir, { recursive: true, force: true })];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };
  try {
    log(`work dir ${workDir}`);
    const postgres = await startEmbeddedPostgres(path.join(workDir, "pg"));
    closers.push(() => postgres.stop());
    const sourceUrl = await postgres.url("totesys");
    const warehouseUrl = await postgres.url("warehouse");

    const app = buildApp({ logger: false } as Parameters<typeof buildApp>[0]);
    const endpoint = await app.listen({ port: 0, host: "127.0.0.1" });
    closers.push(() => app.close());
    const aws = {
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
    };
    const s3 = s3Client(aws);
    const buckets = { ingestionBucket: "ingestion", processedBucket: "processed" };
    for (const bucket of [...Object.values(buckets), ANCHOR_BUCKET])
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    closers.push(async () => s3.destroy());

    const pool = createPool(sourceUrl, { max: 2 });
    closers.push(() => pool.end());
    const admin = createPool(await postgres.url("postgres"), { max: 1 });
    closers.push(() => admin.end());
    // Autovacuum off in this throwaway cluster: a table one repetition filled must not be
    // vacuumed or analysed during the next one's timing. The source is VACUUM ANALYZEd below.
    await admin.query("ALTER SYSTEM SET autovacuum = off");
    // Nor does a commit wait for the disk: this machine's disk is shared with other work, and
    // its flush latency moved a plain COPY (the load's anchor) by 1.7–2.9 s from pair to pair.
    // Both sides are spared it, so the ratio compares the work done, not the disk's mood.
    await admin.query("ALTER SYSTEM SET fsync = off");
    await admin.query("ALTER SYSTEM SET synchronous_commit = off");
    await admin.query("SELECT pg_reload_conf()");
    const postmasterPid = Number(
      (await readFile(path.join(postgres.dataDir, "postmaster.pid"), "utf8")).split("\n")[0],
    );
    const databaseUrl = (name: string) => {
      const url = new URL(warehouseUrl);
      url.pathname = `/${name}`;
      return url.toString();
    };
    const dropDatabase = async (name: string) => {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    };
    await initSource(pool);
    const shiftedDays = await shiftSampleBack(pool);
    log(`sample moved ${shiftedDays} days back; simulating ${scale} × 1M sales orders…`);
    const started = performance.now();
    let lastLog = 0;
    const summary = await simulate(pool, {
      scale,
      onProgress: (p) => {
        if (performance.now() - lastLog < 5000) return;
        lastLog = performance.now();
        log(`  ${p.table} ${p.rows} rows (${Math.round(p.rowsPerSecond)}/s)`);
      },
    });
    log(`simulated in ${((performance.now() - started) / 1000).toFixed(1)} s (until ${summary.to}); vacuum…`);
    // Hint bits and statistics settled now, not during whichever stage reads the table first.
    await pool.query("VACUUM ANALYZE");
    const rows = await tableCounts(pool);
    return {
      ctx: { scale, workDir, sourceUrl, warehouseUrl, aws, ...buckets },
      source: { salesOrders: rows.sales_order ?? 0, rows, shiftedDays },
      postmasterPid,
      async freshDatabase(name) {
        await dropDatabase(name);
        await admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0`);
        return databaseUrl(name);
      },
      dropDatabase,
      async freshBucket(name) {
        await removeObjects(s3, name).catch(() => undefined);
        await s3.send(new CreateBucketCommand({ Bucket: name }));
      },
      removeObjects: (bucket, prefix) => removeObjects(s3, bucket, prefix),
      async settle() {
        await admin.query("CHECKPOINT");
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
