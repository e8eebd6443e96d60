import { describe, expect, it } from "vitest";
import { parseDatabaseUrl } from "../../lib/db/database-url.js";
import { BadDatabaseUrlError } from "../../lib/db/errors.js";

const BOTH = ["postgres", "redshift"] as const;
const SECRET = "totes-test-secret-redshift-url";

/** The error parseDatabaseUrl throws for `url` (taking both engines unless told), or a failure. */
function refusal(url: string, setting = "--warehouse", engines: readonly ("postgres" | "redshift")[] = BOTH) {
  try {
    parseDatabaseUrl("warehouse", setting, url, engines);
  } catch (error) {
    expect(error).toBeInstanceOf(BadDatabaseUrlError);
    return error as BadDatabaseUrlError;
  }
  throw new Error(`${url} was accepted`);
}

describe("parseDatabaseUrl: the one parser of a warehouse setting (Postgres or Redshift)", () => {
  it("names a Redshift Serverless workgroup or a provisioned cluster, and its database", () => {
    expect(
      parseDatabaseUrl("warehouse", "--warehouse", "redshift://workgroup/totes-etl-prod/warehouse", BOTH),
    ).toEqual({
      engine: "redshift",
      url: "redshift://workgroup/totes-etl-prod/warehouse",
      redshift: { workgroupName: "totes-etl-prod", database: "warehouse" },
    });
    expect(parseDatabaseUrl("warehouse", "--url", "redshift://cluster/legacy-dw1/dev", BOTH)).toEqual({
      engine: "redshift",
      url: "redshift://cluster/legacy-dw1/dev",
      redshift: { clusterIdentifier: "legacy-dw1", database: "dev" },
    });
  });

  it("still takes postgres:// and postgresql:// as they are", () => {
    for (const url of ["postgres://u:p@h:5432/d", "postgresql://h/d"])
      expect(parseDatabaseUrl("warehouse", "--warehouse", url, BOTH)).toEqual({ engine: "postgres", url });
  });

  it("refuses a malformed redshift:// URL, naming the flag or variable and the forms it takes", () => {
    const forms = "redshift://workgroup/<name>/<database> or redshift://cluster/<id>/<database>";
    expect(refusal("redshift://warehouse/w/dev").message).toBe(
      `--warehouse: the warehouse database URL must be ${forms}, not redshift://warehouse/w/dev`,
    );
    expect(refusal("redshift://workgroup/w-only", "TOTES_WAREHOUSE_URL").message).toBe(
      `TOTES_WAREHOUSE_URL: the warehouse database URL must be ${forms}, not redshift://workgroup/w-only`,
    );
    expect(refusal("redshift://workgroup/wg1/dev/extra").message).toMatch(/^--warehouse: .* must be /);
    expect(refusal("redshift://workgroup/Bad_Name/dev", "--url").message).toBe(
      '--url: the warehouse database URL names workgroup "Bad_Name": 3 to 64 lower-case letters, digits and hyphens',
    );
    expect(refusal("redshift://cluster/9lives/dev").message).toMatch(
      /^--warehouse: .* names cluster "9lives": /,
    );
    expect(refusal("redshift://cluster/ends-/dev").message).toMatch(/names cluster "ends-"/);
    expect(refusal("redshift://workgroup/wg1/Dev-1").message).toMatch(/names database "Dev-1": /);
    expect(refusal("redshift://workgroup/wg1/dev?region=eu-west-1").message).toMatch(
      /^--warehouse: the warehouse database URL takes no port, \?query or #fragment/,
    );
  });

  it("refuses a user or password in a redshift:// URL without echoing it: IAM signs in, no secret", () => {
    for (const url of [`redshift://admin:${SECRET}@workgroup/wg/dev`, `redshift://${SECRET}@cluster/c/dev`]) {
      const error = refusal(url);
      expect(error.message).toBe(
        "--warehouse: the warehouse database URL names no user or password after redshift://: the Data API signs in with your AWS credentials",
      );
      expect(error.redactedUrl).toBeUndefined();
      expect(JSON.stringify(error)).not.toContain(SECRET);
    }
  });

  it("refuses Redshift where only Postgres is reached (the load, warehouse init), and other schemes naming all it takes", () => {
    expect(refusal("redshift://workgroup/wg1/dev", "--warehouse", ["postgres"]).message).toBe(
      "--warehouse: the warehouse database URL redshift://workgroup/wg1/dev is a Redshift warehouse: this takes a postgres:// or postgresql:// URL only",
    );
    expect(refusal("mysql://h/d").message).toBe(
      "--warehouse: the warehouse database URL must start with postgres://, postgresql:// or redshift://, not mysql://",
    );
    expect(refusal("mysql://h/d", "--warehouse", ["postgres"]).message).toBe(
      "--warehouse: the warehouse database URL must start with postgres:// or postgresql://, not mysql://",
    );
    expect(refusal("not a url").message).toBe(
      "--warehouse: the warehouse database URL does not parse: expected postgres://, then user, password, host, port and database, or redshift://workgroup/<name>/<database> or redshift://cluster/<id>/<database>",
    );
  });
});
