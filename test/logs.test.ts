import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { LocalPipeline } from "../runtime/local/pipeline.js";
import { setLogLevel } from "../runtime/lambda/observability.js";
import { s3Client } from "../runtime/aws/clients.js";
import { failurePrefix } from "../lib/pipeline/failures.js";
import { ingestionKey } from "../lib/pipeline/keys.js";
import { ObjectStore } from "../lib/store/object-store.js";
import { createPool, type Pool } from "../lib/db/pool.js";
import { closedPort } from "./helpers/databases.js";

const SECRET = "totes-test-secret-logs";

interface LogLine {
  level: string;
  message: string;
  pipelineFunction?: string;
  messageId?: string;
  objectKey?: string;
  objectKeys?: string[];
  function_request_id?: string;
}

describe("the handlers' logs: JSON lines with correlation fields, no secrets", () => {
  let dataDir: string;
  let local: LocalPipeline;
  let downWarehouse: Pool;
  const written: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "totes-logs-"));
    local = await LocalPipeline.start(dataDir);
    // The load's warehouse is down and its URL carries a password that must never be logged.
    downWarehouse = createPool(`postgres://totes_loader:${SECRET}@127.0.0.1:${await closedPort()}/warehouse`);
    local.connect({ warehouse: downWarehouse });
  });
  afterAll(async () => {
    setLogLevel("ERROR");
    await local.stop();
    await downWarehouse.end();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("a transform that succeeds and a load that fails log what an operator needs, and nothing secret", async () => {
    // Prepare: info level, and every write to stdout and stderr captured (Powertools writes to both).
    setLogLevel("INFO");
    const capture = (chunk: unknown) => {
      written.push(String(chunk));
      return true;
    };
    const out = vi.spyOn(process.stdout, "write").mockImplementation(capture);
    const err = vi.spyOn(process.stderr, "write").mockImplementation(capture);
    const store = new ObjectStore(s3Client(local.endpoint));
    const key = ingestionKey("currency", "20241116T100000000Z");
    await store.putBytes(
      local.pipeline.resources.ingestionBucket,
      key,
      "currency_id,currency_code,created_at,last_updated\n4,JPY,2024-11-16 10:00:00,2024-11-16 10:00:00\n",
    );

    // Act
    try {
      await local.drain();
    } finally {
      out.mockRestore();
      err.mockRestore();
    }

    // Assess: every line is JSON with a level and the function that wrote it.
    const lines = written.join("").split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    const logs = lines.map((line) => JSON.parse(line) as LogLine);
    for (const log of logs) {
      expect(log.level).toMatch(/^(DEBUG|INFO|WARN|ERROR)$/);
      expect(["transform", "load"]).toContain(log.pipelineFunction);
      expect(log.function_request_id).toBeTruthy();
    }
    const done = logs.filter((l) => l.message === "transform done");
    expect(done).toEqual([
      expect.objectContaining({ level: "INFO", objectKey: key, messageId: expect.any(String) }),
    ]);
    const failed = logs.filter((l) => l.message === "load failed");
    expect(failed).toHaveLength(3);
    for (const f of failed) {
      expect(f).toMatchObject({ level: "ERROR", pipelineFunction: "load", messageId: expect.any(String) });
      expect(f.objectKeys?.[0]).toMatch(/^tables\/dim_currency\//);
    }
    expect(await local.deadLetters()).toEqual({ transform: 0, load: 1 });

    // No line, and no failure record an operator reads with `totes dlq`, holds the password.
    expect(written.join("")).not.toContain(SECRET);
    for await (const o of store.list(local.pipeline.resources.processedBucket, failurePrefix("load"))) {
      const body = (await store.getBytes(local.pipeline.resources.processedBucket, o.key))!.body.toString(
        "utf8",
      );
      expect(body).toMatch(/ECONNREFUSED/);
      expect(body).not.toContain(SECRET);
    }
  });
});
