import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { SqlGateCrashedError } from "../tools/sqlgate/errors.js";
import { checkRedshiftSql, type GateResult, type StatementVerdict } from "../tools/sqlgate/gate.js";
import { findSqlfluff } from "../tools/sqlgate/sqlfluff.js";
import { itPassesRedshiftGate, itWithRedshiftGate, sqlfluff } from "./helpers/redshift-gate.js";

// The gate itself, proven both ways: it passes statements written by hand from the Redshift
// documentation (the shapes the backend needs: DDL, temp stage, Parquet COPY, MERGE, the
// delete/insert pattern, LOCK, named parameters, comments, views), and it fails each construct
// Redshift refuses, each planted into an otherwise valid statement, naming the rule it breaks.

/** Valid Redshift, one of each shape the backend needs (AWS's SQL reference, statement by statement). */
const VALID: Record<string, string> = {
  "CREATE TABLE with IDENTITY(1,1), VARCHAR(n), DECIMAL, TIMESTAMP": `
    CREATE TABLE IF NOT EXISTS totes.dim_staff (
      staff_record_id BIGINT IDENTITY(1, 1),
      staff_id INTEGER NOT NULL,
      first_name VARCHAR(100) NOT NULL,
      email_address VARCHAR(1024),
      note VARCHAR(MAX),
      unit_price DECIMAL(10, 2),
      last_updated TIMESTAMP NOT NULL,
      PRIMARY KEY (staff_record_id)
    ) DISTSTYLE AUTO SORTKEY (staff_id)`,
  "CREATE TABLE with the other column types": `
    CREATE TABLE totes.dim_date (date_id DATE NOT NULL, at TIMESTAMPTZ, starts TIME, weekend BOOLEAN,
      month SMALLINT, ratio DOUBLE PRECISION, currency CHAR(3))`,
  "CREATE SCHEMA IF NOT EXISTS": "CREATE SCHEMA IF NOT EXISTS totes_meta",
  "CREATE TEMP TABLE (LIKE …)": "CREATE TEMP TABLE stage_dim_staff (LIKE totes.dim_staff)",
  "COPY … IAM_ROLE default FORMAT AS PARQUET": `
    COPY stage_dim_staff FROM 's3://totes-processed/tables/dim_staff/2026/12/05/staff-1.parquet'
    IAM_ROLE default FORMAT AS PARQUET`,
  "MERGE from a table, no target alias, both clauses": `
    MERGE INTO totes.dim_staff USING stage_dim_staff s ON totes.dim_staff.staff_id = s.staff_id
    WHEN MATCHED THEN UPDATE SET first_name = s.first_name, last_updated = s.last_updated
    WHEN NOT MATCHED THEN INSERT (staff_id, first_name, last_updated)
      VALUES (s.staff_id, s.first_name, s.last_updated)`,
  "MERGE … WHEN MATCHED THEN DELETE": `
    MERGE INTO totes.dim_staff USING stage_dim_staff ON totes.dim_staff.staff_id = stage_dim_staff.staff_id
    WHEN MATCHED THEN DELETE
    WHEN NOT MATCHED THEN INSERT VALUES (stage_dim_staff.staff_id, stage_dim_staff.first_name)`,
  "DELETE … USING": `
    DELETE FROM totes.dim_staff USING stage_dim_staff s WHERE totes.dim_staff.staff_id = s.staff_id`,
  "UPDATE … FROM": `
    UPDATE totes.dim_staff SET first_name = s.first_name FROM stage_dim_staff s
    WHERE totes.dim_staff.staff_id = s.staff_id`,
  "INSERT … SELECT … WHERE NOT EXISTS": `
    INSERT INTO totes.dim_staff (staff_id, first_name)
    SELECT s.staff_id, s.first_name FROM stage_dim_staff s
    WHERE NOT EXISTS (SELECT 1 FROM totes.dim_staff d WHERE d.staff_id = s.staff_id)`,
  "LOCK of several tables": "LOCK totes_meta.ledger, totes_meta.versions",
  "INSERT with :name parameters and GETDATE()": `
    INSERT INTO totes_meta.ledger (object_key, rows_loaded, loaded_at)
    VALUES (:object_key, :rows_loaded, GETDATE())`,
  "SELECT with :name parameters, SYSDATE, casts with lengths": `
    SELECT CAST(:loaded_at AS TIMESTAMP), SYSDATE, CURRENT_DATE, DATEADD(day, 1, GETDATE()),
      CAST(staff_id AS VARCHAR(20)), last_updated::DATE
    FROM totes.dim_staff WHERE staff_id BETWEEN :low AND :high AND staff_id IN (1, 2, 3)`,
  "IN (subquery) and a window function": `
    SELECT staff_id, ROW_NUMBER() OVER (PARTITION BY staff_id ORDER BY last_updated DESC) AS rn
    FROM totes.dim_staff WHERE staff_id IN (SELECT staff_id FROM stage_dim_staff)`,
  "the schema check through svv_columns": `
    SELECT column_name, data_type, character_maximum_length FROM svv_columns
    WHERE table_schema = :schema AND table_name = :table ORDER BY ordinal_position`,
  "COMMENT ON TABLE": "COMMENT ON TABLE totes.dim_staff IS 'One row per staff member version'",
  "COMMENT ON COLUMN (quote doubled; '$1' inside a literal is text)": `
    COMMENT ON COLUMN totes.dim_staff.staff_id IS 'The source''s staff_id, never $1'`,
  "CREATE OR REPLACE VIEW": `
    CREATE OR REPLACE VIEW totes.dim_staff_current AS
    SELECT staff_id, first_name FROM totes.dim_staff d
    WHERE d.last_updated = (SELECT MAX(last_updated) FROM totes.dim_staff c WHERE c.staff_id = d.staff_id)`,
  "ALTER TABLE ADD COLUMN": "ALTER TABLE totes.dim_staff ADD COLUMN note2 VARCHAR(200)",
  "grants to an IAM-derived user": 'GRANT USAGE ON SCHEMA totes TO "IAMR:totes-load"',
  "DROP TABLE IF EXISTS": "DROP TABLE IF EXISTS stage_dim_staff",
  TRUNCATE: "TRUNCATE stage_dim_staff",
  BEGIN: "BEGIN",
  COMMIT: "COMMIT",
};

/** Each construct Redshift refuses, planted into otherwise valid SQL, with the rule that must catch it. */
const PLANTED: [name: string, rule: string, sql: string][] = [
  ["timestamp(3)", "time-precision", "CREATE TABLE t (a TIMESTAMP(3) NOT NULL)"],
  ["time(3)", "time-precision", "CREATE TABLE t (a TIME(3))"],
  [
    "a MERGE target alias",
    "merge-target-alias",
    `MERGE INTO totes.dim_staff AS d USING stage_dim_staff s ON d.staff_id = s.staff_id
     WHEN MATCHED THEN UPDATE SET first_name = s.first_name
     WHEN NOT MATCHED THEN INSERT (staff_id, first_name) VALUES (s.staff_id, s.first_name)`,
  ],
  [
    "a MERGE target alias without AS",
    "merge-target-alias",
    `MERGE INTO totes.dim_staff d USING stage_dim_staff s ON d.staff_id = s.staff_id
     WHEN MATCHED THEN UPDATE SET first_name = s.first_name
     WHEN NOT MATCHED THEN INSERT (staff_id, first_name) VALUES (s.staff_id, s.first_name)`,
  ],
  ["now()", "now", "INSERT INTO totes_meta.ledger (object_key, loaded_at)\nVALUES (:object_key, now())"],
  [
    "MERGE from a subquery",
    "merge-source-subquery",
    `MERGE INTO t USING (SELECT a, b FROM s) s ON t.a = s.a
     WHEN MATCHED THEN UPDATE SET b = s.b WHEN NOT MATCHED THEN INSERT VALUES (s.a, s.b)`,
  ],
  [
    "MERGE with only WHEN NOT MATCHED",
    "merge-clauses",
    "MERGE INTO t USING s ON t.a = s.a WHEN NOT MATCHED THEN INSERT VALUES (s.a, s.b)",
  ],
  [
    "MERGE with only WHEN MATCHED",
    "merge-clauses",
    "MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE",
  ],
  [
    "WHEN MATCHED AND <condition>",
    "merge-when-condition",
    `MERGE INTO t USING s ON t.a = s.a WHEN MATCHED AND t.b <> s.b THEN UPDATE SET b = s.b
     WHEN NOT MATCHED THEN INSERT VALUES (s.a, s.b)`,
  ],
  ["DISTINCT ON", "distinct-on", "SELECT DISTINCT ON (staff_id) staff_id, first_name FROM totes.dim_staff"],
  ["a row constructor in a comparison", "row-constructor", "SELECT a FROM t WHERE (a, b) = (1, 2)"],
  ["a row constructor before IN", "row-constructor", "SELECT a FROM t WHERE (a, b) IN (SELECT a, b FROM s)"],
  ["ROW(…)", "row-constructor", "SELECT a FROM t WHERE ROW(a, b) = ROW(1, 2)"],
  [
    "identity without (seed, step)",
    "identity-seed-step",
    "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY, a INTEGER)",
  ],
  [
    "a column list on a Parquet COPY",
    "columnar-copy-column-list",
    "COPY stage (a, b) FROM 's3://bucket/key.parquet' IAM_ROLE default FORMAT AS PARQUET",
  ],
  ["text in DDL", "unsized-text", "CREATE TABLE t (object_key TEXT NOT NULL)"],
  ["a cast to text", "unsized-text", "SELECT a::text FROM t"],
  ["VARCHAR without a length", "unsized-text", "CREATE TABLE t (object_key VARCHAR NOT NULL)"],
  ["= ANY(:array)", "array", "SELECT a FROM t WHERE a = ANY(:keys)"],
  ["an array type", "array", "SELECT a FROM t WHERE a = ANY(CAST(:keys AS VARCHAR(20)[]))"],
  ["an ARRAY literal", "array", "SELECT ARRAY[1, 2]"],
  ["$1 positional parameters", "positional-parameter", "SELECT a FROM t WHERE b = $1"],
  ["ON CONFLICT", "on-conflict", "INSERT INTO t (a) VALUES (:a) ON CONFLICT DO NOTHING"],
  ["SAVEPOINT", "savepoint", "SAVEPOINT before_apply"],
  ["COPY … FROM STDIN", "copy-stdin", "COPY stage FROM STDIN WITH (FORMAT csv)"],
  ["LOCK … IN … MODE", "lock-mode", "LOCK totes_meta.ledger IN SHARE ROW EXCLUSIVE MODE"],
  [
    "ADD COLUMN IF NOT EXISTS",
    "add-column-if-not-exists",
    "ALTER TABLE t ADD COLUMN IF NOT EXISTS a INTEGER",
  ],
  ["ON COMMIT DROP", "grammar", "CREATE TEMP TABLE s (LIKE t) ON COMMIT DROP"],
  ["two statements in one entry", "one-statement", "SELECT 1; SELECT 2"],
];

const statements = [
  ...Object.entries(VALID).map(([name, sql]) => ({ name: `valid: ${name}`, sql })),
  ...PLANTED.map(([name, , sql]) => ({ name: `planted: ${name}`, sql })),
];

describe("the Redshift grammar gate", () => {
  let result: GateResult;
  let elapsed: number;
  const verdict = (name: string): StatementVerdict => {
    const found = result.results.find((r) => r.name === name);
    if (!found) throw new Error(`no verdict for ${name}`);
    return found;
  };

  beforeAll(async () => {
    if (!sqlfluff.install) return;
    const started = performance.now();
    result = await checkRedshiftSql(statements, sqlfluff.install);
    elapsed = performance.now() - started;
  });

  itWithRedshiftGate("runs Debian's sqlfluff 1.4.5, the version its rules were written against", async () => {
    expect(result.sqlfluffVersion).toBe("1.4.5");
    expect(result.results.map((r) => r.name)).toEqual(statements.map((s) => s.name));
    // One Python process for all ~50 statements: an import (~0.4 s) and ~10 ms a parse, not a
    // process each (~0.5 s each). Loose, for a loaded 2-core machine.
    expect(elapsed).toBeLessThan(15_000);
  });

  describe("passes valid Redshift", () => {
    for (const name of Object.keys(VALID))
      itWithRedshiftGate(name, async () => {
        expect(verdict(`valid: ${name}`).problems).toEqual([]);
      });
  });

  describe("fails what Redshift refuses, naming the rule", () => {
    for (const [name, rule] of PLANTED)
      itWithRedshiftGate(`${name} → ${rule}`, async () => {
        const { problems } = verdict(`planted: ${name}`);
        expect(problems.map((p) => p.rule)).toContain(rule);
        // Every problem says where and what: the operator reads the message, not the rule id.
        for (const p of problems) expect(p.message.length).toBeGreaterThan(10);
      });
  });

  itWithRedshiftGate("locates a problem by line and position in the statement", async () => {
    const sql = PLANTED.find(([name]) => name === "now()")![2];
    const secondLine = sql.split("\n")[1]!;
    expect(verdict("planted: now()").problems).toEqual([
      expect.objectContaining({ rule: "now", line: 2, pos: secondLine.indexOf("now()") + 1 }),
    ]);
  });

  // The helper the backend's statements go through: one test over a list.
  itPassesRedshiftGate("itPassesRedshiftGate passes a list of valid statements", () =>
    Object.entries(VALID).map(([name, sql]) => ({ name, sql })),
  );
});

describe("the gate without sqlfluff", () => {
  it("reports that no sqlfluff is on PATH", async () => {
    const empty = await mkdtemp(path.join(tmpdir(), "totes-nosqlfluff-"));
    try {
      expect(await findSqlfluff(empty)).toEqual({ install: undefined, reason: "no sqlfluff on PATH" });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it("reports a sqlfluff whose Python cannot import it", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "totes-badsqlfluff-"));
    try {
      await writeFile(path.join(dir, "sqlfluff"), "#!/bin/false\n");
      await chmod(path.join(dir, "sqlfluff"), 0o755);
      const found = await findSqlfluff(dir);
      expect(found.install).toBeUndefined();
      expect("reason" in found && found.reason).toMatch(/^\/bin\/false cannot import sqlfluff/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("raises SqlGateCrashedError, not a verdict, when its Python fails", async () => {
    const failing = checkRedshiftSql([{ name: "x", sql: "SELECT 1" }], {
      python: ["/bin/false"],
      version: "0",
    });
    await expect(failing).rejects.toBeInstanceOf(SqlGateCrashedError);
  });
});
