import { describe, expect, it } from "vitest";
import { TARGET_TABLES } from "../lib/catalog/index.js";
import { runDataTests } from "../lib/verify/data-tests.js";
import { redshiftVerifyDialect } from "../lib/verify/dialect.js";
import { warehouseSide } from "../lib/verify/sides.js";
import type { Plan, PlanStatement } from "../lib/warehouse/data-api/plan.js";
import { RedshiftWarehouse, type DataApiRunner } from "../lib/warehouse/redshift.js";
import { planRedshiftLoad } from "../lib/warehouse/redshift/load-plan.js";
import { REDSHIFT_TYPES } from "../lib/warehouse/redshift-dialect.js";
import { expectedTables, type FoundColumn } from "../lib/warehouse/schema-check.js";
import { DEFAULT_SCHEMAS, type WarehouseSchemas } from "../lib/warehouse/schema.js";
import { allLoadStatements, initStatements, type NamedSql } from "../lib/warehouse/statements.js";
import type { ProcessedObject } from "../lib/warehouse/types.js";
import { itPassesRedshiftGate } from "./helpers/redshift-gate.js";

// Every statement the Redshift backend can send, for every table and kind, through Redshift's
// grammar and the gate's rules (tools/sqlgate): the DDL and grants an owner runs, the batch of a
// load of each table, and every statement the backend sends outside a load (schema check, owner,
// status, runs, backfill, references) and verify's warehouse side, recorded as the backend sends
// them to a Data API that answers nothing. What this cannot prove: that Redshift runs them (types,
// casts, runtime errors of MERGE-free SQL, locks) — see docs/architecture.md.

/** The columns `svv_columns` would list for a warehouse that has every table (the schema check passes). */
function foundColumns(schemas: WarehouseSchemas): FoundColumn[] {
  return expectedTables(schemas, REDSHIFT_TYPES).flatMap((t) =>
    t.columns.map((c) => {
      const [, base, args] = /^([a-z ]+)(?:\((.*)\))?$/.exec(c.type)!;
      const [p, sc] = (args ?? "").split(",").map(Number);
      const dataType =
        {
          varchar: "character varying",
          timestamp: "timestamp without time zone",
          timestamptz: "timestamp with time zone",
          time: "time without time zone",
        }[base!] ?? base!;
      return {
        table_schema: t.schema,
        table_name: t.name,
        column_name: c.name,
        data_type: dataType,
        udt_name: null,
        character_maximum_length: base === "varchar" ? p! : null,
        numeric_precision: base === "numeric" ? p! : null,
        numeric_scale: base === "numeric" ? sc! : null,
        datetime_precision: base!.startsWith("time") ? 6 : null,
        is_nullable: c.nullable ? "YES" : "NO",
        is_identity: null,
        column_default: c.identity ? "\"identity\"(1, 0, '1,1'::text)" : null,
      };
    }),
  );
}

const pipeline = { id: "aws:totes-processed-example", description: "the deployed pipeline" };

/** A Data API that records what it is sent and answers with empty results (the owner: `pipeline`). */
function recordingApi(schemas: WarehouseSchemas): { api: DataApiRunner; sent: NamedSql[] } {
  const sent: NamedSql[] = [];
  let n = 0;
  const record = (where: string, s: PlanStatement) => sent.push({ name: `${where} #${++n}`, sql: s.sql });
  const api: DataApiRunner = {
    execute: async (plan: Plan) => {
      plan.forEach((s) => record("batch", s));
      return { statementId: "batch", attempts: 1, rowCounts: plan.map(() => 0) };
    },
    query: async <T>(s: PlanStatement) => {
      record("query", s);
      const rows = /FROM svv_columns/.test(s.sql)
        ? foundColumns(schemas)
        : /AS id, description/.test(s.sql)
          ? [{ id: pipeline.id, description: pipeline.description, at: "2026-12-05T00:00:00.000Z" }]
          : [];
      return { statementId: "query", columns: [], rows: rows as T[] };
    },
  };
  return { api, sent };
}

async function runtimeStatements(schemas: WarehouseSchemas): Promise<NamedSql[]> {
  const { api, sent } = recordingApi(schemas);
  const warehouse = new RedshiftWarehouse(api, "redshift example", { schemas });
  await warehouse.ensureSchema({ refresh: true });
  await warehouse.owner();
  // A hand-over sends the claim's batch; the recorded owner stays `pipeline`, so it is refused after.
  await warehouse
    .claim({ id: "other", description: "another pipeline" }, { takeOver: true })
    .catch(() => undefined);
  const dim = TARGET_TABLES.find((t) => t.kind === "dim")!;
  const object: ProcessedObject = {
    table: dim,
    bucket: "b",
    key: `tables/${dim.name}/x.parquet`,
    open: () => {
      throw new Error("a dim's object is never read: Redshift COPYs it");
    },
  };
  await warehouse.loadObject(object, { pipeline });
  await warehouse.status();
  await warehouse.loadedSince(new Date(0));
  await warehouse.loadedObjects(["a", "b"]);
  await warehouse.dimNaturalIds(dim);
  await warehouse.deleteDimRows(dim, [1, 2]);
  await warehouse.checkReferences();
  // verify's warehouse side and data tests, as `totes verify` sends them through this session.
  const db = warehouse.session();
  for (const table of TARGET_TABLES) {
    const side = warehouseSide(db, table, schemas, redshiftVerifyDialect);
    await side.bounds();
    await side.segments(1, 100, 10);
    await side.rowHashes(1, 10);
    await side.ids(1, 10, 5);
    await side.renderedRows([1, 2]);
    await runDataTests(db, table, schemas.stars, redshiftVerifyDialect, []);
  }
  return sent;
}

/** Each distinct SQL once (verify sends the same shapes for many ranges): the gate parses each. */
const distinct = (statements: readonly NamedSql[]): NamedSql[] => [
  ...new Map(statements.map((s) => [s.sql, s])).values(),
];

describe("every statement the Redshift backend sends", () => {
  // Reserved words as schema names: every generated name must be quoted to parse at all.
  const reserved: WarehouseSchemas = { stars: "order", meta: "user" };
  itPassesRedshiftGate("DDL, views, comments and grants (default and reserved schema names)", () => [
    ...initStatements("redshift", DEFAULT_SCHEMAS, { database: "dev", users: ["IAMR:totes-load"] }),
    ...initStatements("redshift", reserved, { database: "dev", users: ["IAMR:totes-verify"] }),
  ]);
  itPassesRedshiftGate("the batch of a load of every table (and a COPY with a role ARN)", () => [
    ...allLoadStatements("redshift", DEFAULT_SCHEMAS),
    ...planRedshiftLoad(
      {
        table: TARGET_TABLES[0]!,
        bucket: "b",
        key: "k.parquet",
        copyRole: "arn:aws:iam::123456789012:role/totes-copy",
      },
      DEFAULT_SCHEMAS,
    )
      .filter((s) => s.sql.startsWith("COPY"))
      .map((s) => ({ name: "COPY with a role ARN", sql: s.sql })),
  ]);
  itPassesRedshiftGate(
    "schema check, owner, status, runs, backfill, references, verify's warehouse side",
    async () => distinct(await runtimeStatements(DEFAULT_SCHEMAS)),
  );

  it("records what it gates: the schema check, a load's batch, the owner's claim, verify's hashes, the presentation's procedure", async () => {
    const sql = (await runtimeStatements(DEFAULT_SCHEMAS)).map((s) => s.sql);
    for (const pattern of [
      /FROM svv_columns/,
      /^LOCK /,
      /FORMAT AS PARQUET$/,
      /STRTOL\(SUBSTRING\(MD5/,
      /INSERT INTO "totes_meta"\."owner"/,
      /^CREATE OR REPLACE PROCEDURE "totes_meta"\."apply_presentation_1"\(\) AS \$totes_presentation\$/,
      /^CALL "totes_meta"\."apply_presentation_1"\(\)$/,
    ])
      expect(
        sql.some((s) => pattern.test(s)),
        String(pattern),
      ).toBe(true);
  });

  it("plans a load of every table within one batch of 40 statements", () => {
    for (const table of TARGET_TABLES) {
      const statements = allLoadStatements("redshift", DEFAULT_SCHEMAS, [table]);
      expect(statements.length, table.name).toBeLessThanOrEqual(40);
      expect(statements[0]!.sql, table.name).toMatch(/^LOCK /);
    }
  });
});
