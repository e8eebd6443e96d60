import { createHash } from "node:crypto";
import { qualified, quoteLiteral } from "../../db/identifiers.js";
import { DATA_API_LIMITS } from "../data-api/plan.js";
import type { PlannedStatement } from "../plan/statement.js";
import type { WarehouseSchemas } from "../schema.js";

/** The dollar quote around a procedure's body: a tag no catalog text can close early. */
const TAG = "$totes_presentation$";

/** A procedure whose body runs `body`'s statements in order. */
const procedureSql = (name: string, body: readonly string[]) =>
  `CREATE OR REPLACE PROCEDURE ${name}() AS ${TAG}\nBEGIN\n${body.map((s) => `${s};\n`).join("")}END;\n${TAG} LANGUAGE plpgsql`;

/**
 * The views and comments with their fingerprint as one plan, so that one BatchExecuteStatement
 * (one transaction) applies them: readers see the old presentation or the new one, never a mix,
 * and the fingerprint says "applied" only if every statement was.
 *
 * The presentation is ~150 statements (a COMMENT ON per column; Redshift has no form that
 * comments several objects at once), past the 40 a batch takes. So the statements run inside
 * stored procedures, each created, called and dropped within the batch: a procedure called
 * inside a transaction runs in that transaction and commits nothing itself (Redshift's
 * "Managing transactions" for stored procedures), so the batch stays all or nothing. Each
 * procedure's CREATE holds as many statements as fit its 100 KB (today all fit one, ~31 KB);
 * 12 procedures (~1.2 MB) fit one batch, and a plan over 40 statements is refused by the
 * executor, never split. The procedures are dropped in the batch that made them, so no other
 * session sees them, and the bookkeeping schema holds nothing after.
 *
 * The first statement locks the fingerprint's table: two processes that both find it stale
 * apply one after the other instead of conflicting (error 1023).
 */
export function presentationPlan(
  schemas: WarehouseSchemas,
  statements: readonly string[],
  fingerprint: string,
): PlannedStatement[] {
  const applied = qualified(schemas.meta, "applied_ddl");
  for (const sql of statements)
    if (sql.includes(TAG)) throw new Error(`a presentation statement holds ${TAG}, which quotes its body`);
  // Statements packed in order into as few procedures as the Data API's 100 KB per statement allows.
  const chunks: { body: string[]; bytes: number }[] = [];
  for (const sql of statements) {
    const size = Buffer.byteLength(`${sql};\n`, "utf8");
    const last = chunks.at(-1);
    if (last && last.bytes + size <= DATA_API_LIMITS.statementBytes) {
      last.body.push(sql);
      last.bytes += size;
    } else {
      const empty = Buffer.byteLength(procedureSql(procedureName(schemas, chunks.length + 1), []), "utf8");
      chunks.push({ body: [sql], bytes: empty + size });
    }
  }
  return [
    { sql: `LOCK ${applied}`, step: "lock" },
    ...chunks.flatMap(({ body }, i): PlannedStatement[] => {
      const name = procedureName(schemas, i + 1);
      return [
        { sql: procedureSql(name, body), step: "apply" },
        { sql: `CALL ${name}()`, step: "apply" },
        { sql: `DROP PROCEDURE ${name}()`, step: "apply" },
      ];
    }),
    { sql: `DELETE FROM ${applied} WHERE part = 'presentation'`, step: "ledger" },
    {
      sql: `INSERT INTO ${applied} (part, fingerprint, applied_at) VALUES ('presentation', $1, GETDATE())`,
      params: [fingerprint],
      step: "ledger",
    },
  ];
}

const procedureName = (schemas: WarehouseSchemas, n: number) =>
  qualified(schemas.meta, `apply_presentation_${n}`);

/** The fingerprint of this catalog's views and comments: what `applied_ddl` records once applied. */
export const presentationFingerprint = (statements: readonly string[]): string =>
  createHash("sha256").update(statements.join(";\n")).digest("hex");

/**
 * What the owner's printed init ends with: the fingerprint of the views and comments it made, so
 * that a first load finds them current (a loader may not replace them).
 */
export function recordPresentation(schemas: WarehouseSchemas, statements: readonly string[]): string[] {
  const applied = qualified(schemas.meta, "applied_ddl");
  return [
    `DELETE FROM ${applied} WHERE part = 'presentation'`,
    `INSERT INTO ${applied} (part, fingerprint, applied_at) VALUES ('presentation', ${quoteLiteral(presentationFingerprint(statements))}, GETDATE())`,
  ];
}
