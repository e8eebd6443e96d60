import { describe, expect, it } from "vitest";
import { DataApiPlanError } from "../../lib/warehouse/data-api/errors.js";
import { DATA_API_LIMITS } from "../../lib/warehouse/data-api/plan.js";
import { prepareBatch } from "../../lib/warehouse/data-api/prepare.js";
import { toBatch } from "../../lib/warehouse/redshift.js";
import { redshiftPresentationDdl } from "../../lib/warehouse/redshift/ddl.js";
import { presentationPlan } from "../../lib/warehouse/redshift/presentation.js";
import { DEFAULT_SCHEMAS } from "../../lib/warehouse/schema.js";

/** A COMMENT of about `kb` KB, as a long catalog description would make. */
const comment = (i: number, kb: number) => `COMMENT ON TABLE "public"."t${i}" IS '${"x".repeat(kb * 1000)}'`;

describe("the Redshift presentation as one batch", () => {
  it("packs today's views and comments into one procedure, in order, with the fingerprint after", () => {
    const statements = redshiftPresentationDdl(DEFAULT_SCHEMAS);
    const plan = presentationPlan(DEFAULT_SCHEMAS, statements, "f".repeat(64));
    const shapes = [
      /^LOCK "totes_meta"\."applied_ddl"$/,
      /^CREATE OR REPLACE PROCEDURE "totes_meta"\."apply_presentation_1"\(\) AS \$totes_presentation\$\nBEGIN\n/,
      /^CALL "totes_meta"\."apply_presentation_1"\(\)$/,
      /^DROP PROCEDURE "totes_meta"\."apply_presentation_1"\(\)$/,
      /^DELETE FROM "totes_meta"\."applied_ddl" WHERE part = 'presentation'$/,
      /^INSERT INTO "totes_meta"\."applied_ddl" /,
    ];
    expect(plan).toHaveLength(shapes.length);
    plan.forEach((s, i) => expect(s.sql).toMatch(shapes[i]!));
    expect(plan[1]!.sql).toContain(statements.map((s) => `${s};\n`).join(""));
    expect(() => prepareBatch(toBatch(plan))).not.toThrow();
  });

  it("splits into procedures of at most 100 KB each, every statement once and in order", () => {
    const statements = Array.from({ length: 5 }, (_, i) => comment(i, 45));
    const plan = presentationPlan(DEFAULT_SCHEMAS, statements, "f");
    const procedures = plan.filter((s) => s.sql.startsWith("CREATE OR REPLACE PROCEDURE"));
    expect(procedures).toHaveLength(3);
    for (const p of procedures)
      expect(Buffer.byteLength(p.sql, "utf8")).toBeLessThanOrEqual(DATA_API_LIMITS.statementBytes);
    const order = statements.map((s) => procedures.findIndex((p) => p.sql.includes(s)));
    expect(order).toEqual([0, 0, 1, 1, 2]);
    expect(() => prepareBatch(toBatch(plan))).not.toThrow();
  });

  it("a presentation past one batch is refused whole, never applied in parts", () => {
    const plan = presentationPlan(
      DEFAULT_SCHEMAS,
      Array.from({ length: 13 }, (_, i) => comment(i, 60)),
      "f",
    );
    expect(plan.length).toBeGreaterThan(DATA_API_LIMITS.batchStatements);
    expect(() => prepareBatch(toBatch(plan))).toThrow(DataApiPlanError);
  });

  it("refuses a statement holding the tag that quotes the procedures' bodies", () => {
    expect(() =>
      presentationPlan(DEFAULT_SCHEMAS, ["COMMENT ON TABLE t IS '$totes_presentation$'"], "f"),
    ).toThrow(/quotes its body/);
  });
});
