import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  type DescribeStatementResponse,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import {
  DataApiAbortError,
  DataApiPlanError,
  DataApiResultError,
  DataApiStatementError,
  SerializableIsolationError,
} from "../../lib/warehouse/data-api/errors.js";
import type { Plan } from "../../lib/warehouse/data-api/plan.js";
import {
  RedshiftDataApi,
  type RedshiftDataApiOptions,
  type RedshiftTarget,
} from "../../lib/warehouse/redshift-data-api.js";

// The Data API executor's control flow against a mocked Data API (aws-sdk-client-mock): what it
// sends, how it polls, what it makes of FAILED/ABORTED and error 1023, what it refuses before
// sending. What a real Redshift answers (its error texts, its timings) is assumed from AWS's docs.

const redshift = mockClient(RedshiftDataClient);
const WORKGROUP: RedshiftTarget = { workgroupName: "totes-staging", database: "warehouse" };
const ISOLATION_ERROR =
  "ERROR: 1023 DETAIL: Serializable isolation violation on table - 1234567, transactions forming the cycle are: 101, 102 (pid:4242)";

/** Factories: an executor whose waits are recorded, not waited. */
function executor(overrides: Partial<RedshiftDataApiOptions> = {}) {
  const waits: number[] = [];
  const api = new RedshiftDataApi({
    client: new RedshiftDataClient({
      region: "eu-west-2",
      credentials: { accessKeyId: "x", secretAccessKey: "y" },
    }),
    target: WORKGROUP,
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  });
  return { api, waits };
}

const described = (
  Status: DescribeStatementResponse["Status"],
  more: Partial<DescribeStatementResponse> = {},
) => ({
  Id: "batch-1",
  Status,
  ...more,
});

const PLAN: Plan = [
  { sql: "LOCK totes_meta.ledger" },
  { sql: "CREATE TEMP TABLE stage_dim_staff (LIKE totes.dim_staff)" },
  {
    sql: "COPY stage_dim_staff FROM :object_url IAM_ROLE default FORMAT AS PARQUET",
    parameters: { object_url: "s3://b/k.parquet" },
  },
  {
    sql: "INSERT INTO totes_meta.ledger (object_key, rows_loaded) VALUES (:object_key, :rows)",
    parameters: { object_key: "tables/dim_staff/x.parquet", rows: 12 },
  },
];

beforeEach(() => {
  redshift.reset();
  redshift.on(BatchExecuteStatementCommand).resolves({ Id: "batch-1" });
  redshift.on(CancelStatementCommand).resolves({ Status: true });
});

describe("execute: one plan, one BatchExecuteStatement", () => {
  it("sends the plan in order with its target and merged parameters, and polls with growing waits until FINISHED", async () => {
    // Prepare
    redshift
      .on(DescribeStatementCommand)
      .resolvesOnce(described("SUBMITTED"))
      .resolvesOnce(described("PICKED"))
      .resolvesOnce(described("STARTED"))
      .resolvesOnce(described("STARTED"))
      .resolvesOnce(described("STARTED"))
      .resolvesOnce(described("STARTED"))
      .resolves(
        described("FINISHED", {
          SubStatements: PLAN.map((_, i) => ({ Id: `batch-1:${i + 1}`, ResultRows: i })),
        }),
      );
    const { api, waits } = executor();

    // Act
    const outcome = await api.execute(PLAN);

    // Assess
    expect(outcome).toEqual({ statementId: "batch-1", attempts: 1, rowCounts: [0, 1, 2, 3] });
    const [call] = redshift.commandCalls(BatchExecuteStatementCommand);
    expect(call!.args[0].input).toEqual({
      WorkgroupName: "totes-staging",
      Database: "warehouse",
      Sqls: PLAN.map((s) => s.sql),
      Parameters: [
        { name: "object_url", value: "s3://b/k.parquet" },
        { name: "object_key", value: "tables/dim_staff/x.parquet" },
        { name: "rows", value: "12" },
      ],
      ClientToken: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(redshift.commandCalls(DescribeStatementCommand)).toHaveLength(7);
    expect(waits).toEqual([200, 300, 450, 675, 1012.5, 1518.75, 2000]);
  });

  it("targets a cluster by identifier, with or without a database user, and never sends a secret", async () => {
    redshift.on(DescribeStatementCommand).resolves(described("FINISHED"));
    await executor({ target: { clusterIdentifier: "totes", database: "dev", dbUser: "loader" } }).api.execute(
      [{ sql: "SELECT 1" }],
    );
    await executor({ target: { clusterIdentifier: "totes", database: "dev" } }).api.execute([
      { sql: "SELECT 1" },
    ]);
    const inputs = redshift.commandCalls(BatchExecuteStatementCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toMatchObject({ ClusterIdentifier: "totes", Database: "dev", DbUser: "loader" });
    expect(inputs[1]).toMatchObject({ ClusterIdentifier: "totes", Database: "dev" });
    for (const input of inputs) {
      expect(input).not.toHaveProperty("DbUser", undefined);
      expect(input).not.toHaveProperty("SecretArn");
      expect(input).not.toHaveProperty("WorkgroupName");
    }
    expect(inputs[1]).not.toHaveProperty("DbUser");
  });

  it("FAILED: names the failing statement of the plan, its text and Redshift's error, and does not retry", async () => {
    redshift.on(DescribeStatementCommand).resolves(
      described("FAILED", {
        Error: "batch failed",
        SubStatements: [
          { Id: "batch-1:1", Status: "FINISHED" },
          { Id: "batch-1:2", Status: "FINISHED" },
          { Id: "batch-1:3", Status: "FAILED", Error: "ERROR: Spectrum Scan Error: S3 access denied" },
          { Id: "batch-1:4", Status: "ABORTED" },
        ],
      }),
    );
    const error = await executor()
      .api.execute(PLAN)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataApiStatementError);
    expect(error).not.toBeInstanceOf(SerializableIsolationError);
    expect(error).toMatchObject({
      statementId: "batch-1",
      status: "FAILED",
      statementIndex: 2,
      sql: PLAN[2]!.sql,
      redshiftError: "ERROR: Spectrum Scan Error: S3 access denied",
      attempts: 1,
    });
    expect((error as Error).message).toContain("at statement 2 (COPY stage_dim_staff FROM :object_url");
    expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(1);
  });

  it("ABORTED (e.g. cancelled elsewhere): an error with the status, Redshift's message, no retry", async () => {
    redshift.on(DescribeStatementCommand).resolves(described("ABORTED", { Error: "Query cancelled." }));
    await expect(executor().api.execute(PLAN)).rejects.toMatchObject({
      name: "DataApiStatementError",
      status: "ABORTED",
      statementIndex: undefined,
      redshiftError: "Query cancelled.",
    });
    expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(1);
  });
});

describe("execute: error 1023 (serializable isolation violation)", () => {
  const conflict = described("FAILED", {
    Error: ISOLATION_ERROR,
    SubStatements: [{ Id: "batch-1:1", Status: "FAILED", Error: ISOLATION_ERROR }],
  });

  it("sends the whole batch again after a jittered wait, and succeeds", async () => {
    redshift.on(DescribeStatementCommand).resolvesOnce(conflict).resolves(described("FINISHED"));
    const { api, waits } = executor();

    const outcome = await api.execute(PLAN);

    expect(outcome.attempts).toBe(2);
    const sends = redshift.commandCalls(BatchExecuteStatementCommand).map((c) => c.args[0].input);
    expect(sends).toHaveLength(2);
    expect(sends[1]!.Sqls).toEqual(sends[0]!.Sqls);
    // A fresh idempotency token per send: the second send is a new batch, not a duplicate.
    expect(sends[1]!.ClientToken).not.toBe(sends[0]!.ClientToken);
    // Polls (200 each), then the retry's wait: random 0.5 × 500 ms.
    expect(waits).toEqual([200, 250, 200]);
  });

  it("gives up after the bounded attempts with SerializableIsolationError, waits doubling in between", async () => {
    redshift.on(DescribeStatementCommand).resolves(conflict);
    const { api, waits } = executor({ timing: { isolationAttempts: 3, isolationBackoffMs: 100 } });

    const error = await api.execute(PLAN).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SerializableIsolationError);
    expect(error).toMatchObject({ attempts: 3, statementIndex: 0, redshiftError: ISOLATION_ERROR });
    expect((error as Error).message).toContain("after 3 attempts");
    expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(3);
    expect(waits.filter((w) => w !== 200)).toEqual([50, 100]);
  });

  it("uses the jitter it is given, within [0, ceiling)", async () => {
    redshift
      .on(DescribeStatementCommand)
      .resolvesOnce(conflict)
      .resolvesOnce(conflict)
      .resolves(described("FINISHED"));
    const { api, waits } = executor({ random: () => 0.999, timing: { isolationBackoffMs: 1000 } });
    await api.execute(PLAN);
    expect(waits.filter((w) => w !== 200)).toEqual([999, 1998]);
  });
});

describe("guards: refused before anything is sent", () => {
  const refused = async (plan: Plan) => {
    const error = await executor()
      .api.execute(plan)
      .catch((e: unknown) => e);
    expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(0);
    expect(error).toBeInstanceOf(DataApiPlanError);
    return error as DataApiPlanError;
  };

  it("a statement over 100 KB (UTF-8 bytes, not characters), naming it", async () => {
    const big = `SELECT '${"é".repeat(50_000)}'`; // 50,009 characters, 100,009 bytes
    const error = await refused([{ sql: "SELECT 1" }, { sql: big }]);
    expect(error).toMatchObject({ statementIndex: 1 });
    expect(error.message).toMatch(
      /at statement 1 \(SELECT 'éé.*…\): 100009 bytes, over the Data API's 100000/,
    );
  });

  it("accepts a statement of exactly 100,000 bytes", async () => {
    redshift.on(DescribeStatementCommand).resolves(described("FINISHED"));
    const sql = `SELECT '${"x".repeat(100_000 - 9)}'`;
    expect(Buffer.byteLength(sql)).toBe(100_000);
    await expect(executor().api.execute([{ sql }])).resolves.toMatchObject({ attempts: 1 });
  });

  it("a plan over 40 statements (and accepts 40)", async () => {
    const error = await refused(Array.from({ length: 41 }, () => ({ sql: "SELECT 1" })));
    expect(error.statementIndex).toBeUndefined();
    expect(error.message).toContain("41 statements, over the 40");
    redshift.on(DescribeStatementCommand).resolves(described("FINISHED"));
    await expect(
      executor().api.execute(Array.from({ length: 40 }, () => ({ sql: "SELECT 1" }))),
    ).resolves.toBeDefined();
  });

  it("an empty plan, empty SQL", async () => {
    expect((await refused([])).message).toContain("no statements");
    expect((await refused([{ sql: "  " }])).message).toContain("empty SQL");
  });

  it("parameters that are not :name, unused, missing, or not finite", async () => {
    expect((await refused([{ sql: "SELECT :a", parameters: { "a-b": 1, a: 1 } }])).message).toContain(
      'parameter name "a-b"',
    );
    expect((await refused([{ sql: "SELECT 1", parameters: { a: 1 } }])).message).toContain(
      'parameter "a" is never used as :a',
    );
    expect((await refused([{ sql: "SELECT :a, :b", parameters: { a: 1 } }])).message).toContain(
      ":b has no value",
    );
    expect((await refused([{ sql: "SELECT :a", parameters: { a: Number.NaN } }])).message).toContain(
      "not a finite",
    );
    // `$1` is not a parameter the Data API knows: with parameters given, they go unused.
    expect((await refused([{ sql: "SELECT $1", parameters: { 1: "x" } }])).message).toContain(
      'parameter name "1"',
    );
  });

  it("one name with two values in one batch (a batch shares its parameters), without printing the values", async () => {
    const error = await refused([
      { sql: "SELECT :key", parameters: { key: "secret-value-one" } },
      { sql: "SELECT :key", parameters: { key: "secret-value-two" } },
    ]);
    expect(error).toMatchObject({ statementIndex: 1 });
    expect(error.message).toContain('parameter "key" has another value in statement 0');
    expect(error.message).not.toMatch(/secret-value/);
  });
});

describe("NULL and empty strings, which the Data API cannot take as parameters", () => {
  it("are written into the SQL as NULL and ''; other values travel as strings; literals, identifiers, casts and comments are left alone", async () => {
    redshift.on(DescribeStatementCommand).resolves(described("FINISHED"));
    await executor().api.execute([
      {
        sql: `INSERT INTO t (a, b, c, d, e, ":f") VALUES (:a, :b, :c, :d, ':a', CAST(:e AS DATE)::date) -- :a\n/* :b */`,
        parameters: { a: null, b: "", c: true, d: 1.5, e: "2026-12-05" },
      },
      { sql: "SELECT :a", parameters: { a: "same name, another statement" } },
    ]);
    const input = redshift.commandCalls(BatchExecuteStatementCommand)[0]!.args[0].input;
    expect(input.Sqls![0]).toBe(
      `INSERT INTO t (a, b, c, d, e, ":f") VALUES (NULL, '', :c, :d, ':a', CAST(:e AS DATE)::date) -- :a\n/* :b */`,
    );
    expect(input.Parameters).toEqual([
      { name: "c", value: "true" },
      { name: "d", value: "1.5" },
      { name: "e", value: "2026-12-05" },
      { name: "a", value: "same name, another statement" },
    ]);
  });

  it("sends no Parameters at all when every value was inlined", async () => {
    redshift.on(DescribeStatementCommand).resolves(described("FINISHED"));
    await executor().api.execute([{ sql: "UPDATE t SET a = :a", parameters: { a: null } }]);
    const input = redshift.commandCalls(BatchExecuteStatementCommand)[0]!.args[0].input;
    expect(input).not.toHaveProperty("Parameters");
    expect(input.Sqls).toEqual(["UPDATE t SET a = NULL"]);
  });
});

describe("query: one ExecuteStatement, every page of its result", () => {
  const columns = [
    { name: "staff_id", typeName: "int4" },
    { name: "first_name", typeName: "varchar" },
    { name: "amount", typeName: "numeric" },
    { name: "active", typeName: "bool" },
    { name: "ratio", typeName: "float8" },
  ];

  it("reads pages by NextToken and converts fields to values, then rows with `decode`", async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: "query-1" });
    redshift.on(DescribeStatementCommand).resolves({ Id: "query-1", Status: "FINISHED", HasResultSet: true });
    redshift
      .on(GetStatementResultCommand, { Id: "query-1" })
      .resolvesOnce({
        ColumnMetadata: columns,
        Records: [
          [
            { longValue: 1 },
            { stringValue: "Jeremie" },
            { stringValue: "12.30" },
            { booleanValue: true },
            { doubleValue: 0.5 },
          ],
        ],
        NextToken: "page-2",
      })
      .resolvesOnce({
        ColumnMetadata: columns,
        Records: [
          [
            { longValue: 2 },
            { isNull: true },
            { stringValue: "0.01" },
            { booleanValue: false },
            { isNull: true },
          ],
          [
            { longValue: 3 },
            { stringValue: "Deron" },
            { isNull: true },
            { booleanValue: true },
            { doubleValue: 2 },
          ],
        ],
      });

    const result = await executor().api.query(
      {
        sql: "SELECT staff_id, first_name, amount, active, ratio FROM t WHERE d = :day",
        parameters: { day: "2026-12-05" },
      },
      { decode: (row) => ({ id: row.staff_id as number, name: row.first_name as string | null }) },
    );

    expect(result.rows).toEqual([
      { id: 1, name: "Jeremie" },
      { id: 2, name: null },
      { id: 3, name: "Deron" },
    ]);
    expect(result.columns).toEqual(columns);
    const pages = redshift.commandCalls(GetStatementResultCommand).map((c) => c.args[0].input);
    expect(pages).toEqual([{ Id: "query-1" }, { Id: "query-1", NextToken: "page-2" }]);
    expect(redshift.commandCalls(ExecuteStatementCommand)[0]!.args[0].input).toMatchObject({
      WorkgroupName: "totes-staging",
      Database: "warehouse",
      Sql: "SELECT staff_id, first_name, amount, active, ratio FROM t WHERE d = :day",
      Parameters: [{ name: "day", value: "2026-12-05" }],
    });
  });

  it("keeps raw values without `decode` (DECIMAL stays an exact string)", async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: "query-1" });
    redshift.on(DescribeStatementCommand).resolves({ Id: "query-1", Status: "FINISHED", HasResultSet: true });
    redshift.on(GetStatementResultCommand).resolves({
      ColumnMetadata: columns,
      Records: [
        [
          { longValue: 7 },
          { stringValue: "x" },
          { stringValue: "10.10" },
          { booleanValue: false },
          { doubleValue: 1 },
        ],
      ],
    });
    const { rows } = await executor().api.query({ sql: "SELECT 1" });
    expect(rows).toEqual([{ staff_id: 7, first_name: "x", amount: "10.10", active: false, ratio: 1 }]);
  });

  it("refuses an integer beyond 2^53 rather than returning it rounded", async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: "query-1" });
    redshift.on(DescribeStatementCommand).resolves({ Id: "query-1", Status: "FINISHED", HasResultSet: true });
    redshift.on(GetStatementResultCommand).resolves({
      ColumnMetadata: [{ name: "n", typeName: "int8" }],
      Records: [[{ longValue: 2 ** 53 + 2 }]],
    });
    await expect(executor().api.query({ sql: "SELECT n FROM t" })).rejects.toBeInstanceOf(DataApiResultError);
  });

  it("a statement without a result set gives no rows and reads no result", async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: "query-1" });
    redshift
      .on(DescribeStatementCommand)
      .resolves({ Id: "query-1", Status: "FINISHED", HasResultSet: false });
    await expect(executor().api.query({ sql: "ANALYZE t" })).resolves.toEqual({
      statementId: "query-1",
      columns: [],
      rows: [],
    });
    expect(redshift.commandCalls(GetStatementResultCommand)).toHaveLength(0);
  });

  it("FAILED: the statement's text and Redshift's error", async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: "query-1" });
    redshift
      .on(DescribeStatementCommand)
      .resolves({ Id: "query-1", Status: "FAILED", Error: 'ERROR: relation "t" does not exist' });
    await expect(executor().api.query({ sql: "SELECT * FROM t" })).rejects.toMatchObject({
      statementIndex: 0,
      sql: "SELECT * FROM t",
      redshiftError: 'ERROR: relation "t" does not exist',
    });
  });
});

describe("abort (Ctrl-C)", () => {
  it("ends polling at once, cancels the running batch, and says so", async () => {
    redshift.on(DescribeStatementCommand).resolves(described("STARTED"));
    const controller = new AbortController();
    // The real wait: a poll interval of a minute, ended by the signal.
    const api = new RedshiftDataApi({
      client: new RedshiftDataClient({
        region: "eu-west-2",
        credentials: { accessKeyId: "x", secretAccessKey: "y" },
      }),
      target: WORKGROUP,
      timing: { poll: { firstMs: 60_000, factor: 1, maxMs: 60_000 } },
    });
    const started = Date.now();
    const running = api.execute(PLAN, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("SIGINT")), 20);

    const error = await running.catch((e: unknown) => e);

    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(DataApiAbortError);
    expect(error).toMatchObject({ statementId: "batch-1", cancelled: true });
    expect(redshift.commandCalls(CancelStatementCommand)[0]!.args[0].input).toEqual({ Id: "batch-1" });
  });

  it("reports a cancel that was refused (the statement may still run)", async () => {
    redshift.on(DescribeStatementCommand).resolves(described("STARTED"));
    redshift
      .on(CancelStatementCommand)
      .rejects(new Error("ValidationException: Could not cancel a query that is already in FINISHED state"));
    const controller = new AbortController();
    const { api } = executor({
      sleep: async (_, signal) => {
        controller.abort();
        if (signal?.aborted) throw new Error("aborted");
      },
    });
    const error = await api.execute(PLAN, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "DataApiAbortError", cancelled: false });
    expect((error as Error).message).toContain("may still run");
  });

  it("sends nothing when already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(executor().api.execute(PLAN, { signal: controller.signal })).rejects.toBeInstanceOf(
      DataApiAbortError,
    );
    expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(0);
  });
});
