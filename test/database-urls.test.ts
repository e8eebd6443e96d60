import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { closeDatabases, database } from "../runtime/aws/config.js";
import { checkDatabaseUrl } from "../lib/db/database-url.js";
import { BadDatabaseUrlError, DatabaseUnreachableError, redactUrl } from "../lib/db/errors.js";
import { awsStateDir } from "../runtime/local/aws/persistence.js";
import { closedPort, freshDatabaseUrl } from "./helpers/databases.js";
import { afterDataDirLine } from "./helpers/cli.js";

const SECRET = "totes-test-secret-urls";
const repo = path.resolve(import.meta.dirname, "..");

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** `totes run …` as a user runs it, with no TOTES_* settings but those given. */
function totes(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TOTES_")));
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["bin/totes.mjs", ...args],
      { cwd: repo, env: { ...clean, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 });
      },
    );
  });
}

describe("`totes run` with a database it cannot use: refused up front, naming which, nothing queued", () => {
  let dataDir: string;
  let sourceUrl: string;
  let downPort: number;

  beforeAll(async () => {
    sourceUrl = await freshDatabaseUrl("urls_src");
    downPort = await closedPort();
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });
  const freshDataDir = async () => (dataDir = await mkdtemp(path.join(tmpdir(), "totes-urls-")));

  /** Nothing ran: no local queues or objects were created, no embedded cluster started. */
  async function expectNothingStarted(dir: string) {
    expect(existsSync(path.join(awsStateDir(dir), "state.json"))).toBe(false);
    expect(await readdir(dir)).not.toContain("postgres");
  }

  it("an unreachable --warehouse: exit 1, one line naming the warehouse, password masked, before extract", async () => {
    const dir = await freshDataDir();
    const warehouse = `postgres://x:${SECRET}@127.0.0.1:${downPort}/nope`;
    const run = await totes(["run", "--source", sourceUrl, "--warehouse", warehouse, "--data-dir", dir]);
    expect(run.code).toBe(1);
    expect(afterDataDirLine(run.stderr).trim()).toBe(
      `totes: warehouse (postgres://x:****@127.0.0.1:${downPort}/nope): connect ECONNREFUSED 127.0.0.1:${downPort}`,
    );
    expect(run.stdout).toBe("");
    expect(run.stdout + run.stderr).not.toContain(SECRET);
    await expectNothingStarted(dir);
  });

  it("an unreachable --source (from TOTES_SOURCE_URL) names the source", async () => {
    const dir = await freshDataDir();
    const source = `postgresql://reader:${SECRET}@127.0.0.1:${downPort}/totesys`;
    const run = await totes(["run", "--data-dir", dir], {
      TOTES_SOURCE_URL: source,
      TOTES_WAREHOUSE_URL: sourceUrl,
    });
    expect(run.code).toBe(1);
    expect(afterDataDirLine(run.stderr).trim()).toBe(
      `totes: source (postgresql://reader:****@127.0.0.1:${downPort}/totesys): connect ECONNREFUSED 127.0.0.1:${downPort}`,
    );
    expect(run.stdout + run.stderr).not.toContain(SECRET);
    await expectNothingStarted(dir);
  });

  it("a --source that is not postgres:// is refused at once, naming --source, before the embedded warehouse starts", async () => {
    const dir = await freshDataDir();
    const run = await totes(["run", "--source", `mysql://reader:${SECRET}@db/totesys`, "--data-dir", dir]);
    expect(run.code).toBe(1);
    expect(afterDataDirLine(run.stderr).trim()).toBe(
      "totes: --source: the source database URL must start with postgres:// or postgresql://, not mysql://",
    );
    expect(run.stdout + run.stderr).not.toContain(SECRET);
    await expectNothingStarted(dir);
  });

  it("a TOTES_WAREHOUSE_URL of another shape is refused naming the variable, without echoing it", async () => {
    const dir = await freshDataDir();
    const run = await totes(["run", "--source", sourceUrl, "--data-dir", dir], {
      TOTES_WAREHOUSE_URL: `loader:${SECRET}@warehouse`,
    });
    expect(run.code).toBe(1);
    expect(afterDataDirLine(run.stderr).trim()).toBe(
      "totes: TOTES_WAREHOUSE_URL: the warehouse database URL must start with postgres:// or postgresql://, not loader://",
    );
    expect(run.stdout + run.stderr).not.toContain(SECRET);
    await expectNothingStarted(dir);
  });
});

describe("database URL errors carry which database, where, and why", () => {
  const saved = { ...process.env };
  afterAll(async () => {
    process.env = saved;
    await closeDatabases();
  });

  it("DatabaseUnreachableError masks the password, also where the driver's message repeats it", () => {
    const url = `postgres://u:${encodeURIComponent(SECRET + "/x")}@h:5432/d`;
    const error = new DatabaseUnreachableError("source", url, {
      cause: new Error(`bad password ${SECRET}/x for ${url}`),
    });
    expect(error.message).not.toContain(SECRET);
    expect(error).toMatchObject({ role: "source", redactedUrl: "postgres://u:****@h:5432/d" });
    expect(error.message).toMatch(/^source \(postgres:\/\/u:\*\*\*\*@h:5432\/d\): bad password \*\*\*\* for/);
    expect(redactUrl(url)).toBe("postgres://u:****@h:5432/d");
  });

  it("checkDatabaseUrl takes postgres:// and postgresql://, and nothing else", () => {
    expect(checkDatabaseUrl("warehouse", "--warehouse", "postgres://h/d")).toBe("postgres://h/d");
    expect(checkDatabaseUrl("warehouse", "--warehouse", "postgresql://h/d")).toBe("postgresql://h/d");
    for (const bad of ["mysql://h/d", "http://h/d", "h:5432/d"])
      expect(() => checkDatabaseUrl("warehouse", "--warehouse", bad)).toThrow(/not \w+:\/\/$/);
    for (const unparseable of ["", `//u:${SECRET}@h/d`, "postgres://h:port/d"]) {
      const error = (() => {
        try {
          checkDatabaseUrl("warehouse", "--warehouse", unparseable);
        } catch (e) {
          return e as BadDatabaseUrlError;
        }
      })();
      expect(error).toBeInstanceOf(BadDatabaseUrlError);
      expect(error?.message).toBe(
        "--warehouse: the warehouse database URL does not parse: expected postgres://, then user, password, host, port and database",
      );
      expect(error?.redactedUrl).toBeUndefined();
    }
  });

  it("the handlers' database() refuses a non-Postgres URL naming the variable", () => {
    process.env.TOTES_WAREHOUSE_URL = `mysql://loader:${SECRET}@dw/warehouse`;
    const error = (() => {
      try {
        database("warehouse");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(BadDatabaseUrlError);
    expect(error).toMatchObject({ role: "warehouse", setting: "TOTES_WAREHOUSE_URL" });
    expect(String(error)).not.toContain(SECRET);
  });
});
