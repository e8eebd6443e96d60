import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalPipeline, type RunSummary } from "../runtime/local/pipeline.js";
import { s3Client, sqsClient } from "../runtime/aws/clients.js";
import { queueDepth } from "../runtime/aws/queue-depth.js";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "../runtime/local/postgres/embedded.js";
import { createPool, type Pool } from "../lib/db/pool.js";
import { postgresWarehouse } from "../lib/warehouse/postgres.js";
import { listDeadLetters, replayDeadLetters, type OpsTarget } from "../ops/index.js";
import { initSource } from "../tools/source/init.js";
import { ObjectStore } from "../lib/store/object-store.js";
import { freshDatabaseUrl } from "./helpers/databases.js";

/** The race is timing-dependent (which client is checked out when the server dies): several trials. */
const TRIALS = 4;

/** What `pg_ctl stop -m immediate` does: SIGQUIT to the postmaster, which kills every backend at once. */
async function stopImmediately(cluster: EmbeddedPostgresHandle): Promise<void> {
  const pidFile = path.join(cluster.dataDir, "postmaster.pid");
  const pid = Number((await readFile(pidFile, "utf8")).split("\n")[0]);
  process.kill(pid, "SIGQUIT");
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`postmaster ${pid} still alive after SIGQUIT`);
}

/**
 * Kills the warehouse the moment a load holds a checked-out connection in a transaction
 * (COPY into the stage, or between statements): the case a pool's idle listener misses.
 */
function killDuringLoad(cluster: EmbeddedPostgresHandle, warehouse: Pool, onStopped: () => void) {
  let done = false;
  const killed = (async () => {
    while (!done) {
      const busy = await warehouse
        .query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE application_name = 'totes-etl warehouse' AND pid <> pg_backend_pid()
              AND (state = 'idle in transaction' OR query ILIKE 'COPY%' OR query ILIKE 'LOCK%')`,
        )
        .then((r) => r.rows[0]!.n)
        .catch(() => 0);
      if (busy > 0) {
        await stopImmediately(cluster);
        onStopped();
        return true;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    return false;
  })();
  return {
    killed,
    cancel: () => {
      done = true;
    },
  };
}

// Anything that would have ended a real process lands here instead, and fails the test.
const crashes: unknown[] = [];
const onCrash = (error: unknown) => void crashes.push(error);
beforeAll(() => {
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);
});
afterAll(() => {
  process.off("uncaughtException", onCrash);
  process.off("unhandledRejection", onCrash);
});

describe("a server stopped (immediate) under a COPY in each direction", () => {
  it("rejects both streams; the process carries on", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "totes-copy-outage-"));
    // Traversable, so as root the cluster lives inside it (not in /var/tmp) and goes with it.
    await chmod(dir, 0o755);
    const cluster = await startEmbeddedPostgres(dir);
    const pool = createPool(await cluster.url("copy_outage"));
    const [writer, reader] = await Promise.all([pool.connect(), pool.connect()]);
    try {
      await writer.query("BEGIN");
      await writer.query("CREATE TEMP TABLE t (n int) ON COMMIT DROP");
      let killed: Promise<void> | undefined;
      // COPY FROM: a few rows go through, then the server dies while the stream is open.
      const copyIn = pipeline(
        Readable.from(
          (async function* () {
            for (let i = 0; i < 1000; i++) {
              yield `${i}\n`;
              if (i === 10) killed ??= stopImmediately(cluster);
              if (i >= 10) await new Promise((r) => setTimeout(r, 5));
            }
          })(),
        ),
        writer.query(copyFrom("COPY t (n) FROM STDIN")),
      );
      // COPY TO: far more rows than a socket buffers, read slowly, so it is mid-stream at the kill.
      const copyOut = pipeline(
        reader.query(copyTo("COPY (SELECT g FROM generate_series(1, 5000000) g) TO STDOUT")),
        new Writable({ write: (_chunk, _enc, done) => void setTimeout(done, 5) }),
      );
      const results = await Promise.allSettled([copyIn, copyOut]);
      await killed;
      expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
      for (const r of results)
        expect(String((r as PromiseRejectedResult).reason)).toMatch(
          /terminat|ECONNRESET|EPIPE|57P0|shutting down/i,
        );
      expect(crashes).toEqual([]);
    } finally {
      writer.release(true);
      reader.release(true);
      await pool.end();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("a warehouse stopped (immediate) in the middle of a load", () => {
  let baseDir: string;
  let local: LocalPipeline;
  let sourceUrl: string;
  let source: Pool;
  let target: OpsTarget;
  let cluster: EmbeddedPostgresHandle | undefined;

  beforeAll(async () => {
    baseDir = await mkdtemp(path.join(tmpdir(), "totes-outage-"));
    await chmod(baseDir, 0o755);
    sourceUrl = await freshDatabaseUrl("outage_src");
    source = createPool(sourceUrl);
    await initSource(source);
    local = await LocalPipeline.start(path.join(baseDir, "data"));
    const p = local.pipeline;
    target = {
      kind: "local",
      description: "test",
      sqs: sqsClient(local.endpoint),
      store: new ObjectStore(s3Client(local.endpoint)),
      resources: {
        ingestionBucket: p.resources.ingestionBucket,
        processedBucket: p.resources.processedBucket,
        transformQueueUrl: p.transformQueue.url,
        transformDlqUrl: p.transformDlq.url,
        loadQueueUrl: p.loadQueue.url,
        loadDlqUrl: p.loadDlq.url,
      },
    };
  });
  afterAll(async () => {
    await local?.stop();
    await source?.end();
    await cluster?.stop();
    await rm(baseDir, { recursive: true, force: true });
  });

  /** The warehouse cluster (re)started on its directory: a new port each time, same data. */
  async function startWarehouse(): Promise<{ url: string; pool: Pool }> {
    cluster = await startEmbeddedPostgres(path.join(baseDir, "warehouse"));
    const url = await cluster.url("warehouse");
    // Named as the deployed load's pool is, which is what the killer looks for.
    return { url, pool: createPool(url, { applicationName: "totes-etl warehouse" }) };
  }

  async function parquetKeys(): Promise<string[]> {
    const keys: string[] = [];
    for await (const o of target.store.list(target.resources.processedBucket, "tables/")) keys.push(o.key);
    return keys.sort();
  }

  it(`each of ${TRIALS} trials fails only the unfinished loads, into the load DLQ with their error; then it converges`, async () => {
    let warehouse = await startWarehouse();
    for (let trial = 1; trial <= TRIALS; trial++) {
      // Prepare: after the first trial, the dead letters go back on the load queue.
      if (trial > 1) {
        const replay = await replayDeadLetters(target, "load");
        expect(replay.moved.length, `trial ${trial}: replayed`).toBeGreaterThan(0);
      }
      // The schema exists before the outage: the killer aims at loads, not at its creation.
      await postgresWarehouse(warehouse.pool).ensureSchema();
      // A killed cluster's handle would wait forever for its exit: it is dropped.
      const killer = killDuringLoad(cluster!, warehouse.pool, () => (cluster = undefined));

      // Act
      let summary: RunSummary | undefined;
      try {
        summary = await local.runOnce({ source, warehouse: warehouse.pool });
      } finally {
        killer.cancel();
      }
      const killed = await killer.killed;
      await warehouse.pool.end();

      // Assess: no crash, a summary, and every load not committed is in the load DLQ with its error.
      expect(crashes, `trial ${trial}: process-level errors`).toEqual([]);
      expect(killed, `trial ${trial}: the warehouse was stopped during a load`).toBe(true);
      expect(summary?.deadLetters.transform).toBe(0);
      expect(summary?.deadLetters.load, `trial ${trial}: load dead letters`).toBeGreaterThan(0);
      const depth = await queueDepth(target.sqs, target.resources.loadQueueUrl);
      expect(depth, `trial ${trial}: load queue drained`).toMatchObject({ visible: 0, inFlight: 0 });
      const dead = await listDeadLetters(target, "load");
      expect(dead).toHaveLength(summary!.deadLetters.load);
      for (const letter of dead) {
        expect(letter.receiveCount).toBe(3);
        expect(letter.lastError).toMatch(/ECONNREFUSED|ECONNRESET|terminat|shutting down|57P0/i);
      }

      // Nothing lost: once the warehouse is back, each object is either committed or dead-lettered.
      warehouse = await startWarehouse();
      const loaded = await warehouse.pool
        .query<{ object_key: string }>("SELECT object_key FROM totes_meta.loaded_object")
        .then((r) => r.rows.map((row) => row.object_key));
      const accounted = new Set([...loaded, ...dead.flatMap((l) => l.objectKeys)]);
      expect([...accounted].sort(), `trial ${trial}: every object loaded or dead`).toEqual(
        await parquetKeys(),
      );
    }

    // After the outage: replay, run, and the warehouse holds the whole sample.
    await replayDeadLetters(target, "load");
    const summary = await local.runOnce({ source, warehouse: warehouse.pool });
    expect(summary.deadLetters).toEqual({ transform: 0, load: 0 });
    const count = async (table: string) =>
      (await warehouse.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
    expect(await count("fact_sales_order")).toBe(11187);
    expect(await count("fact_purchase_order")).toBe(4649);
    expect(await count("fact_payment")).toBe(15836);
    expect(await count("dim_staff")).toBe(20);
    await warehouse.pool.end();
    expect(crashes).toEqual([]);
  }, 300_000);
});
