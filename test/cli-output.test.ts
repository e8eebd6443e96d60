import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dlqList } from "../cli/commands/dlq.js";
import type { RunSummary } from "../runtime/local/pipeline.js";
import { drainProgressLine, extractProgressLine } from "../cli/progress.js";
import { formatSummary } from "../cli/summary.js";
import { sqsClient } from "../runtime/aws/clients.js";
import { DEFAULT_PIPELINE_RESOURCES, provisionPipeline, startLocalAws } from "../runtime/local/index.js";
import {
  formatDeadLetters,
  formatReplay,
  formatStatus,
  type DeadLetter,
  type PipelineStatus,
} from "../ops/index.js";
import { counted, noun } from "../lib/plural.js";

const root = path.resolve(import.meta.dirname, "..");
const totes = (...args: string[]) =>
  promisify(execFile)(process.execPath, ["bin/totes.mjs", ...args], { cwd: root });

/** ISO 8601 as Date.toISOString writes it (UTC). */
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe("counts read as English", () => {
  it("one is singular, everything else plural", () => {
    expect([0, 1, 2].map((n) => counted(n, "row"))).toEqual(["0 rows", "1 row", "2 rows"]);
    expect(noun(1, "has", "have")).toBe("has");
    expect(noun(3, "has", "have")).toBe("have");
    expect(counted(1234, "row", undefined, (n) => n.toLocaleString("en-GB"))).toBe("1,234 rows");
  });

  it("in the run report", () => {
    const summary: RunSummary = {
      extract: {
        runAt: "2026-12-01T08:47:17.123Z",
        tables: [
          {
            table: "currency",
            rows: 1,
            objectKey: "currency/x.csv",
            objectKeys: ["currency/x.csv"],
            full: false,
            from: null,
            to: "t",
            seconds: 0,
          },
          {
            table: "staff",
            rows: 20,
            objectKey: "staff/x.csv",
            objectKeys: ["staff/x.csv"],
            full: false,
            from: null,
            to: "t",
            seconds: 0,
          },
          {
            table: "payment",
            rows: 9,
            objectKey: "payment/x-0001.csv",
            objectKeys: ["payment/x-0001.csv", "payment/x-0002.csv", "payment/x-0003.csv"],
            full: true,
            from: null,
            to: "t",
            seconds: 0,
          },
        ],
        runKey: "_state/runs/x.json",
      },
      loaded: [
        { table: "dim_currency", objects: 1, rowsIn: 1, rowsWritten: 1 },
        { table: "dim_staff", objects: 2, rowsIn: 20, rowsWritten: 20 },
      ],
      deadLetters: { transform: 0, load: 0 },
      quarantine: { quarantined: 1, settled: 0, unsettled: 1 },
      seconds: 1.25,
    };
    const text = formatSummary(summary);
    expect(text).toContain("  currency                      1 row    → currency/x.csv");
    expect(text).toContain("  staff                        20 rows   → staff/x.csv\n");
    expect(text).toContain(
      "  payment                       9 rows   → payment/x-0001.csv … payment/x-0003.csv (3 parts)  (read in full)",
    );
    expect(text).toContain("  dim_currency                  1 row  written from 1 in 1 object\n");
    expect(text).toContain("  dim_staff                    20 rows written from 20 in 2 objects");
    expect(text).not.toMatch(/\b1 (rows|objects)\b/);
    expect(text).toContain("quarantined rows: 1 this run, 0 settled, 1 unsettled in all");
  });

  it("in the progress lines, the extraction's included", () => {
    expect(extractProgressLine(4, 11, "sales_order", 11187)).toBe(
      "extract 4/11 tables · sales_order 11187 rows",
    );
    expect(extractProgressLine(1, 11, "currency", 1)).toBe("extract 1/11 tables · currency 1 row");
    // Done of total per stage, transform first (the load's total grows as transforms write).
    expect(
      drainProgressLine({ transform: { done: 1, total: 11 }, load: { done: 2, total: 2 }, failed: 1 }),
    ).toBe("transform 1/11 objects · load 2/2 objects · 1 failed attempt");
    expect(
      drainProgressLine({ transform: { done: 1, total: 1 }, load: { done: 0, total: 1 }, failed: 0 }),
    ).toBe("transform 1/1 object · load 0/1 object · 0 failed attempts");
  });

  it("in the operator tools' reports", () => {
    const letter: DeadLetter = {
      queue: "load",
      messageId: "m-1",
      objectKeys: ["tables/dim_staff/x.parquet"],
      receiveCount: 3,
      sqsReceiveCount: 4,
      failures: [],
      body: "{}",
      attributes: {},
    };
    expect(formatDeadLetters([letter], "load", "stage prod")).toMatch(
      /^1 message in the load DLQ of stage prod:/,
    );
    const report = {
      queue: "load" as const,
      method: "receive-send-delete" as const,
      dryRun: false,
      notFound: [],
      failed: [],
    };
    expect(formatReplay({ ...report, moved: [{ messageId: "m-1", objectKeys: [] }] }, "stage prod")).toMatch(
      /^moved 1 message from the load DLQ/,
    );
    expect(formatReplay({ ...report, moved: [] }, "stage prod")).toMatch(/^moved 0 messages from/);
  });
});

describe("status shows one time format", () => {
  it("ISO 8601 everywhere: UTC times with Z, the cursor's snapshot time among them", () => {
    const depth = { visible: 0, inFlight: 0, delayed: 0 };
    const status: PipelineStatus = {
      target: "data directory /x",
      tables: [
        {
          table: "sales_order",
          cursor: "1234",
          readUpTo: "2026-12-01T08:47:16.000Z",
          lastExtractedAt: "2026-12-01T08:47:17.123Z",
          lastRows: 1,
          lastObjectKey: "sales_order/x.csv",
        },
        { table: "design" },
      ],
      lastRun: { runAt: "2026-12-01T08:47:17.123Z", objects: 1, rows: 1 },
      queues: { transform: depth, transformDlq: depth, load: depth, loadDlq: depth },
      warehouse: {
        url: "postgres://totes:***@h/w",
        tables: [{ table: "fact_sales_order", rows: 1 }],
        objectsLoaded: 1,
        lastLoadedAt: "2026-12-01T08:47:19.500Z",
      },
    };
    const text = formatStatus(status);
    expect(text).toMatch(/2026-12-01T08:47:16\.000Z\s+2026-12-01T08:47:17\.123Z/);
    expect(text).toContain("last run  2026-12-01T08:47:17.123Z: 1 object, 1 row");
    expect(text).toContain("1 object loaded, last at 2026-12-01T08:47:19.500Z");
    const times = text.match(/\d{4}-\d\d-\d\d[ T][\d:.]+(Z|[+-]\d\d)?/g) ?? [];
    expect(times).toHaveLength(4);
    for (const t of times) expect(t.endsWith("Z") ? t : `${t}Z`).toMatch(ISO_UTC);
    // Issue 24, 7: the columns say what they hold; queues by the names people use.
    expect(text).toContain("last extracted (UTC)  rows then");
    expect(text).not.toContain("last rows");
    expect(text).toMatch(/^ {2}transform DLQ +0 +0 +0$/m);
    expect(text).not.toContain("transformDlq");
    expect(text).toMatch(/^ {2}warehouse table +rows$/m);
  });
});

describe("the command line", () => {
  it("--version prints the package's version", async () => {
    const { version } = JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as {
      version: string;
    };
    expect((await totes("--version")).stdout.trim()).toBe(version);
  });

  it("help marks what is required, and `dlq list` needs no --queue", async () => {
    expect((await totes("dlq", "replay", "--help")).stdout).toMatch(
      /--queue <queue> +transform or load \(required\)/,
    );
    expect((await totes("dlq", "purge", "--help")).stdout).toMatch(
      /--queue <queue> +transform or load \(required\)/,
    );
    expect((await totes("dlq", "list", "--help")).stdout).toMatch(
      /--queue <queue> +transform or load \(default: both/,
    );
  });

  it("`status --help` says what status shows, in the words its columns use (issue 24, 7)", async () => {
    const help = (await totes("status", "--help")).stdout;
    expect(help).not.toContain("high marks");
    expect(help).toContain("its last extraction (when, rows, objects)");
  });

  describe("`dlq list` without --queue", () => {
    let dataDir: string;
    beforeAll(async () => {
      dataDir = await mkdtemp(path.join(tmpdir(), "totes-cli-dlq-"));
      const aws = await startLocalAws({ dataDir });
      const sqs = sqsClient(aws.endpoint);
      try {
        const pipeline = await provisionPipeline(aws.endpoint, DEFAULT_PIPELINE_RESOURCES);
        await sqs.send(
          new SendMessageCommand({ QueueUrl: pipeline.transformDlq.url, MessageBody: "dead transform" }),
        );
        await sqs.send(
          new SendMessageCommand({ QueueUrl: pipeline.loadDlq.url, MessageBody: "dead load 1" }),
        );
        await sqs.send(
          new SendMessageCommand({ QueueUrl: pipeline.loadDlq.url, MessageBody: "dead load 2" }),
        );
      } finally {
        sqs.destroy();
        await aws.stop();
      }
    });
    afterAll(async () => {
      await rm(dataDir, { recursive: true, force: true });
    });

    it("lists both queues, each under its own heading", async () => {
      const text = await dlqList({ dataDir });
      const transformAt = text.indexOf(`1 message in the transform DLQ of data directory ${dataDir}:`);
      const loadAt = text.indexOf(`2 messages in the load DLQ of data directory ${dataDir}:`);
      expect(transformAt).toBe(0);
      expect(loadAt).toBeGreaterThan(transformAt);
      const letters = JSON.parse(await dlqList({ dataDir, json: true })) as DeadLetter[];
      expect(letters.map((l) => [l.queue, l.body])).toEqual([
        ["transform", "dead transform"],
        ["load", "dead load 1"],
        ["load", "dead load 2"],
      ]);
      expect(await dlqList({ dataDir, queue: "load" })).not.toContain("transform DLQ");
    });

    it("as a user runs it", async () => {
      const { stdout } = await totes("dlq", "list", "--data-dir", dataDir);
      expect(stdout).toContain("1 message in the transform DLQ");
      expect(stdout).toContain("2 messages in the load DLQ");
    });
  });
});
