import type { SqlParameter } from "@aws-sdk/client-redshift-data";
import { DataApiPlanError } from "./errors.js";
import { DATA_API_LIMITS, type ParameterValue, type Plan, type PlanStatement } from "./plan.js";
import { placeholders } from "./placeholders.js";

/** A statement as the Data API will get it. */
export interface PreparedStatement {
  readonly sql: string;
  readonly parameters: SqlParameter[];
}

/** A plan as one BatchExecuteStatement: the SQL in order, and one set of parameters for all. */
export interface PreparedBatch {
  readonly sqls: string[];
  readonly parameters: SqlParameter[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Checks one statement against the Data API's rules and returns it ready to send. The Data API
 * refuses a NULL or empty-string parameter value, so those are written into the SQL as `NULL` and
 * `''` (nothing else is ever inlined: every other value travels as a parameter). Refuses, naming
 * the statement: empty SQL, a bad or unused parameter name, a placeholder without a value, a
 * non-finite number, and SQL over 100 KB once prepared.
 */
export function prepareStatement(statement: PlanStatement, index: number | undefined): PreparedStatement {
  const refuse = (reason: string) => new DataApiPlanError(index, statement.sql, reason);
  if (statement.sql.trim() === "") throw refuse("empty SQL");
  const given = statement.parameters ?? {};
  const used = placeholders(statement.sql);
  const usedNames = new Set(used.map((p) => p.name));
  for (const name of Object.keys(given)) {
    if (!NAME.test(name)) throw refuse(`parameter name "${name}" is not a :name the Data API takes`);
    // The Data API rejects a parameter no statement references; here it is also a likely typo.
    if (!usedNames.has(name)) throw refuse(`parameter "${name}" is never used as :${name} in the SQL`);
  }
  for (const name of usedNames)
    if (!Object.hasOwn(given, name)) throw refuse(`:${name} has no value in parameters`);

  const parameters: SqlParameter[] = [];
  for (const [name, value] of Object.entries(given)) {
    const text = asText(value);
    if (text === undefined) throw refuse(`parameter "${name}" is not a finite number`);
    if (value !== null && text !== "") parameters.push({ name, value: text });
  }
  // Replace placeholders right to left so earlier offsets stay valid.
  let sql = statement.sql;
  for (const p of [...used].reverse()) {
    const value = given[p.name];
    if (value === null) sql = `${sql.slice(0, p.start)}NULL${sql.slice(p.end)}`;
    else if (value === "") sql = `${sql.slice(0, p.start)}''${sql.slice(p.end)}`;
  }
  const bytes = Buffer.byteLength(sql, "utf8");
  if (bytes > DATA_API_LIMITS.statementBytes)
    throw refuse(`${bytes} bytes, over the Data API's ${DATA_API_LIMITS.statementBytes} per statement`);
  return { sql, parameters };
}

/**
 * Checks a whole plan and merges its parameters: BatchExecuteStatement takes one set of
 * parameters shared by every statement, so a name used by two statements must carry one value.
 * Refuses an empty plan and a plan over 40 statements (see redshift-data-api.ts for why a larger
 * plan is not split or run statement by statement).
 */
export function prepareBatch(plan: Plan): PreparedBatch {
  if (plan.length === 0) throw new DataApiPlanError(undefined, undefined, "the plan has no statements");
  if (plan.length > DATA_API_LIMITS.batchStatements)
    throw new DataApiPlanError(
      undefined,
      undefined,
      `${plan.length} statements, over the ${DATA_API_LIMITS.batchStatements} one BatchExecuteStatement ` +
        "runs atomically: the planner must produce smaller plans",
    );
  const prepared = plan.map((statement, index) => prepareStatement(statement, index));
  const merged = new Map<string, { value: string; index: number }>();
  prepared.forEach(({ parameters }, index) => {
    for (const { name, value } of parameters) {
      const earlier = merged.get(name!);
      if (earlier && earlier.value !== value)
        throw new DataApiPlanError(
          index,
          plan[index]!.sql,
          `parameter "${name}" has another value in statement ${earlier.index}; a batch shares one set ` +
            "of parameters, so give each value its own name",
        );
      if (!earlier) merged.set(name!, { value: value!, index });
    }
  });
  return {
    sqls: prepared.map((p) => p.sql),
    parameters: [...merged].map(([name, { value }]) => ({ name, value })),
  };
}

function asText(value: ParameterValue): string | undefined {
  if (value === null) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : undefined;
  return String(value);
}
