import { expect, it } from "vitest";
import { SqlGateUnavailableError } from "../../tools/sqlgate/errors.js";
import { checkRedshiftSql, formatFailures, type NamedStatement } from "../../tools/sqlgate/gate.js";
import { findSqlfluff } from "../../tools/sqlgate/sqlfluff.js";

/**
 * The Redshift grammar gate for tests. Whether sqlfluff is here is known when the test file is
 * collected, so a missing gate shows as a skipped test with a warning on a laptop, and as a
 * failing test in CI (`CI=true`, which GitHub sets, or TOTES_REQUIRE_SQLFLUFF=1, which .ci/run
 * sets): a gate that silently did not run would read as a gate that passed.
 */
export const sqlfluff = await findSqlfluff();

/** CI must run the gate; elsewhere a missing sqlfluff skips it, loudly. */
let warned = false;

export const gateRequired = process.env.CI === "true" || process.env.TOTES_REQUIRE_SQLFLUFF === "1";

/**
 * Registers a test that runs the gate and, when sqlfluff is installed, hands `assess` the
 * verdicts. Without sqlfluff: skipped with a console warning, or failed when the gate is required.
 */
const GATE_TIMEOUT_MS = 600_000;

export function itWithRedshiftGate(
  title: string,
  assess: (install: NonNullable<typeof sqlfluff.install>) => Promise<void>,
) {
  const { install } = sqlfluff;
  // sqlfluff parses a few statements a second: a gate over a backend's every statement takes minutes.
  if (install) return it(title, () => assess(install), GATE_TIMEOUT_MS);
  const reason = "reason" in sqlfluff ? sqlfluff.reason : "unknown";
  if (gateRequired)
    return it(`${title} (the gate is required here: sqlfluff must be installed)`, () => {
      throw new SqlGateUnavailableError(reason);
    });
  if (!warned)
    console.warn(
      `\n!!! THE REDSHIFT GRAMMAR GATE DID NOT RUN: ${reason}. Its tests are skipped (marked SKIPPED).\n` +
        "!!! Install Debian's sqlfluff (apt-get install -y sqlfluff) to run them; CI always does.\n",
    );
  warned = true;
  return it.skip(`${title} (SKIPPED: sqlfluff not installed)`, () => undefined);
}

/**
 * The entry point for "every statement the Redshift backend can emit": one test that fails,
 * listing each failing statement with its rule and SQL, unless every statement passes.
 *
 *   itPassesRedshiftGate("every statement a Redshift load can run", () => allRedshiftStatements());
 */
export function itPassesRedshiftGate(
  title: string,
  statements: () => readonly NamedStatement[] | Promise<readonly NamedStatement[]>,
) {
  return itWithRedshiftGate(title, async (install) => {
    const all = await statements();
    expect(all.length, "the statements to check").toBeGreaterThan(0);
    const result = await checkRedshiftSql(all, install);
    expect(result.failures, `statements failing Redshift's grammar:\n${formatFailures(result)}`).toEqual([]);
  });
}
