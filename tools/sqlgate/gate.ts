import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { SqlGateCrashedError, SqlGateUnavailableError } from "./errors.js";
import { findSqlfluff, type SqlfluffInstall } from "./sqlfluff.js";

/** One statement to check; `name` says where it comes from (e.g. `apply fact_sales_order`). */
export interface NamedStatement {
  name: string;
  sql: string;
}

/**
 * Why a statement fails: `grammar` is sqlfluff's own parse failure; any other rule is one of
 * redshift_gate.py's (e.g. `merge-target-alias`, `now`, `time-precision`, `unsized-text`).
 */
export interface GateProblem {
  rule: string;
  message: string;
  line: number | null;
  pos: number | null;
}

export interface StatementVerdict extends NamedStatement {
  problems: GateProblem[];
}

export interface GateResult {
  sqlfluffVersion: string;
  /** Every statement, in input order. */
  results: StatementVerdict[];
  /** The statements with at least one problem. */
  failures: StatementVerdict[];
}

const GATE_SCRIPT = fileURLToPath(new URL("./redshift_gate.py", import.meta.url));

/**
 * Checks statements against Redshift's grammar (sqlfluff's `redshift` dialect) and the rules its
 * grammar lets through (tools/sqlgate/redshift_gate.py). One Python process for all of them.
 * Throws SqlGateUnavailableError when sqlfluff is not installed: callers decide whether that skips
 * or fails (test/helpers/redshift-gate.ts fails it in CI).
 */
export async function checkRedshiftSql(
  statements: readonly NamedStatement[],
  install?: SqlfluffInstall,
): Promise<GateResult> {
  const found = install ? { install } : await findSqlfluff();
  if (!found.install) throw new SqlGateUnavailableError(found.reason);
  const { python } = found.install;
  const input = JSON.stringify(statements.map(({ name, sql }) => ({ name, sql })));
  const output = await runPython(python, input);
  let parsed: { sqlfluff: string; results: { name: string; problems: GateProblem[] }[] };
  try {
    parsed = JSON.parse(output) as typeof parsed;
  } catch (cause) {
    throw new SqlGateCrashedError(0, `unreadable output: ${output.slice(0, 200)}`, { cause });
  }
  if (parsed.results.length !== statements.length)
    throw new SqlGateCrashedError(0, `${parsed.results.length} verdicts for ${statements.length} statements`);
  const results = parsed.results.map((r, i) => ({ ...statements[i]!, problems: r.problems }));
  return {
    sqlfluffVersion: parsed.sqlfluff,
    results,
    failures: results.filter((r) => r.problems.length > 0),
  };
}

function runPython(python: readonly string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(python[0]!, [...python.slice(1), GATE_SCRIPT], { stdio: ["pipe", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error) => reject(new SqlGateCrashedError(null, error.message, { cause: error })));
    child.on("close", (code) => {
      if (code === 0) resolve(Buffer.concat(stdout).toString("utf8"));
      else reject(new SqlGateCrashedError(code, Buffer.concat(stderr).toString("utf8").slice(-2000)));
    });
    // A process that dies before reading its input breaks the pipe; its exit code says why.
    child.stdin.on("error", () => undefined);
    child.stdin.end(input);
  });
}

/** The failures as lines a reviewer reads: name, rule, position, message, then the SQL. */
export function formatFailures(result: GateResult): string {
  return result.failures
    .map((f) =>
      [
        `${f.name}:`,
        ...f.problems.map((p) => `  [${p.rule}]${p.line ? ` ${p.line}:${p.pos}` : ""} ${p.message}`),
        `  ${f.sql.replaceAll("\n", "\n  ")}`,
      ].join("\n"),
    )
    .join("\n");
}
