import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dlqList, dlqPurge, dlqReplay, dlqShow } from "../cli/commands/dlq.js";
import { readStatus } from "../cli/commands/status.js";
import { LocalPipeline } from "../runtime/local/pipeline.js";
import { s3Client, sqsClient } from "../runtime/aws/clients.js";
import { createPool, type Pool } from "../lib/db/pool.js";
import { openLocalTarget, type DeadLetter, type ReplayReport } from "../ops/index.js";
import { ingestionKey } from "../lib/pipeline/keys.js";
import { ObjectStore } from "../lib/store/object-store.js";
import { currentStateKey } from "../lib/transform/current-state.js";
import { postgresWarehouse } from "../lib/warehouse/postgres.js";
import { freshDatabaseUrl } from "./helpers/databases.js";

const DEPARTMENT = "department_id,department_name,location,manager,created_at,last_updated";
const STAFF = "staff_id,first_name,last_name,department_id,email_address,created_at,last_updated";
const T0 = "2024-11-16 10:00:00.000";
const T1 = "2024-11-17 10:00:00.000";

describe("a poisoned object: in the DLQ with its error, the cause fixed, replayed, the warehouse converges", () => {
  let dataDir: string;
  let warehouse: Pool;
  let warehouseUrl: string;
  const updateKey = ingestionKey("department", "20241117T100000000Z");

  /** The local runtime for one step, as `totes run` would hold it, then saved and released. */
  async function withPipeline(fn: (local: LocalPipeline, store: ObjectStore) => Promise<void>) {
    const local = await LocalPipeline.start(dataDir);
    local.connect({ warehouse });
    try {
      await fn(local, new ObjectStore(s3Client(local.endpoint)));
    } finally {
      await local.stop();
    }
  }
  const departmentOf = async (staffId: number) =>
    (
      await warehouse.query<{ d: string }>("SELECT department_name AS d FROM dim_staff WHERE staff_id = $1", [
        staffId,
      ])
    ).rows[0]?.d;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "totes-ops-poison-"));
    warehouseUrl = await freshDatabaseUrl("opsp_wh");
    warehouse = createPool(warehouseUrl);
    await postgresWarehouse(warehouse).ensureSchema();
  });
  afterAll(async () => {
    await warehouse.end();
    await rm(dataDir, { recursive: true, force: true });
  });

  let goodState: Buffer;
  let poisoned: DeadLetter;

  it("poisons the transform of one object: it ends in the transform DLQ", async () => {
    await withPipeline(async (local, store) => {
      const { ingestionBucket: ingestion, processedBucket: processed } = local.pipeline.resources;
      await store.putBytes(
        ingestion,
        ingestionKey("department", "20241116T100000000Z"),
        `${DEPARTMENT}\n2,Purchasing,Manchester,Naomi Lapaglia,${T0},${T0}\n`,
      );
      await store.putBytes(
        ingestion,
        ingestionKey("staff", "20241116T100000000Z"),
        `${STAFF}\n1,Jeremie,Franey,2,jf@terrifictotes.com,${T0},${T0}\n`,
      );
      await local.drain();
      expect(await departmentOf(1)).toBe("Purchasing");
      // The poison: the department state the transform joins against is garbage (no notification: `_state/`).
      goodState = (await store.getBytes(processed, currentStateKey("department")))!.body;
      await store.putBytes(processed, currentStateKey("department"), "this is not parquet");
      await store.putBytes(
        ingestion,
        updateKey,
        `${DEPARTMENT}\n2,Procurement,Manchester,Naomi Lapaglia,${T0},${T1}\n`,
      );
      await local.drain();
      expect(await local.deadLetters()).toEqual({ transform: 1, load: 0 });
      // And a message no handler can read, straight into the DLQ.
      await sqsClient(local.endpoint).send(
        new SendMessageCommand({
          QueueUrl: local.pipeline.transformDlq.url,
          MessageBody: "not a notification",
        }),
      );
    });
  });

  it("`dlq list` shows the object with its error; `dlq show` its failure history", async () => {
    const letters = JSON.parse(await dlqList({ queue: "transform", dataDir, json: true })) as DeadLetter[];
    expect(letters).toHaveLength(2);
    poisoned = letters.find((l) => l.objectKeys[0] === updateKey)!;
    expect(poisoned).toMatchObject({ receiveCount: 3, objectKeys: [updateKey] });
    expect(poisoned.failures).toHaveLength(3);
    expect(poisoned.lastError).toBeTruthy();
    const junk = letters.find((l) => l.messageId !== poisoned.messageId)!;
    expect(junk.unreadable).toMatch(/not an S3 notification/);

    const text = await dlqList({ queue: "transform", dataDir });
    expect(text).toContain(updateKey);
    expect(text).toContain(poisoned.lastError!);
    const shown = await dlqShow(poisoned.messageId, { dataDir });
    expect(shown).toContain("failure history (3)");
    expect(shown).toContain(poisoned.body);
  });

  it("replay --dry-run reports and changes nothing", async () => {
    const report = JSON.parse(
      await dlqReplay({ queue: "transform", dataDir, id: [poisoned.messageId], dryRun: true, json: true }),
    ) as ReplayReport;
    expect(report).toMatchObject({
      dryRun: true,
      moved: [{ messageId: poisoned.messageId, objectKeys: [updateKey] }],
    });
    const status = await readStatus({ dataDir, warehouse: false });
    expect(status.queues.transformDlq.visible).toBe(2);
    expect(status.queues.transform).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const after = JSON.parse(await dlqList({ queue: "transform", dataDir, json: true })) as DeadLetter[];
    expect(after.map((l) => l.messageId).sort()).toEqual(
      [poisoned.messageId, after.find((l) => l.unreadable)!.messageId].sort(),
    );
  });

  it("after the cause is fixed, replaying that message makes the warehouse converge", async () => {
    // The fix: the state object restored (the bucket is versioned on AWS).
    const { target, close } = await openLocalTarget(dataDir);
    await target.store.putBytes(target.resources.processedBucket, currentStateKey("department"), goodState);
    await close();

    const report = JSON.parse(
      await dlqReplay({ queue: "transform", dataDir, id: [poisoned.messageId, "no-such-id"], json: true }),
    ) as ReplayReport;
    expect(report.moved).toEqual([
      expect.objectContaining({ messageId: poisoned.messageId, objectKeys: [updateKey] }),
    ]);
    expect(report.notFound).toEqual(["no-such-id"]);

    await withPipeline(async (local) => {
      await local.drain();
      expect(await local.deadLetters()).toEqual({ transform: 1, load: 0 });
    });
    expect(await departmentOf(1)).toBe("Procurement");
  });

  it("purges only with --yes", async () => {
    await expect(dlqPurge({ queue: "transform", dataDir })).rejects.toThrow(/--yes/);
    expect((await readStatus({ dataDir, warehouse: false })).queues.transformDlq.visible).toBe(1);
    expect(await dlqPurge({ queue: "transform", dataDir, yes: true })).toMatch(/1 message deleted/);
    expect(await dlqList({ queue: "transform", dataDir })).toMatch(/is empty/);
  });
});
