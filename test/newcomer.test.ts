import { execFile, spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "../runtime/local/postgres/embedded.js";
import { createPool } from "../lib/db/pool.js";
import { freshDatabaseUrl } from "./helpers/databases.js";

// Issue 24, "a newcomer's first hour": each numbered observation, through the `totes`
// command as a user types it.
const repo = path.resolve(import.meta.dirname, "..");
const env = { ...process.env, TOTES_SOURCE_URL: "", TOTES_WAREHOUSE_URL: "", TOTES_DATA_DIR: "" };

interface Finished {
  code: number;
  stdout: string;
  stderr: string;
}

function totes(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<Finished> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(repo, "bin/totes.mjs"), ...args],
      { cwd: options.cwd ?? repo, env, timeout: options.timeoutMs ?? 180_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const lines = (text: string) => text.trimEnd().split("\n");

describe("the command line answers in one voice (issue 24: 4, 8, 9)", () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), "totes-newcomer-"));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it("a typo prints one line and the suggestion, not the help", async () => {
    const typo = await totes(["rn"]);
    expect(typo.code).toBe(1);
    expect(typo.stdout).toBe("");
    expect(lines(typo.stderr)).toEqual(["totes: unknown command 'rn'", "Did you mean run?"]);

    const option = await totes(["status", "--limt", "3"]);
    expect(option.code).toBe(1);
    expect(lines(option.stderr)).toHaveLength(2);
    expect(lines(option.stderr)[0]).toBe("totes: unknown option '--limt'");
    expect(option.stderr).not.toContain("Usage:");
  });

  it("--data-dir under /proc or /sys is refused at once, in one line naming the flag", async () => {
    for (const dir of ["/proc/totes", "/sys/kernel/totes"]) {
      const started = Date.now();
      const refused = await totes(["run", "--data-dir", dir], { timeoutMs: 20_000 });
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(refused.code).toBe(1);
      expect(lines(refused.stderr)).toEqual([
        `totes: --data-dir ${dir}: /${dir.split("/")[1]} is a kernel filesystem, not a place for local state; give a folder on disk`,
      ]);
    }
  });

  it("`verify --table` takes several tables, in source or warehouse form, and suggests the other form", async () => {
    const empty = path.join(scratch, "empty");
    const two = await totes(["verify", "--table", "design", "dim_staff", "--data-dir", empty]);
    // Parsed (not "too many arguments"); refused only because nothing exists there yet.
    expect(two.stderr).not.toContain("too many arguments");
    expect(lines(two.stderr).slice(1)).toEqual([
      `totes: no embedded databases under ${empty} yet (this command only reads)`,
      "run `npx totes run` first, or pass --source/--warehouse",
    ]);
    const typo = await totes(["verify", "--table", "desgn", "--data-dir", empty]);
    expect(lines(typo.stderr).slice(1)).toEqual([
      'totes: --table: unknown warehouse table "desgn"',
      "did you mean dim_design?",
    ]);
    const backfill = await totes(["state", "reset", "--table", "dim_desgn", "--data-dir", empty]);
    expect(lines(backfill.stderr).slice(1)).toEqual([
      'totes: --table: unknown source table "dim_desgn"',
      "did you mean design?",
    ]);
  });

  it("finds the data dir upward from a subfolder, says so first, and a read-only command creates nothing", async () => {
    const project = path.join(scratch, "project");
    await mkdir(path.join(project, "docs"), { recursive: true });
    await writeFile(path.join(project, "package.json"), JSON.stringify({ name: "totes-etl" }));
    for (const command of [["status"], ["runs"], ["verify"], ["dlq", "list"], ["quarantine", "list"]]) {
      const read = await totes(command, { cwd: path.join(project, "docs") });
      expect(read.code, command.join(" ")).toBe(1);
      expect(lines(read.stderr)[0]).toBe(`data dir: ${path.join(project, ".totes")}`);
      expect(lines(read.stderr).length).toBeLessThanOrEqual(3);
      expect(existsSync(path.join(project, ".totes")), `${command.join(" ")} created the data dir`).toBe(
        false,
      );
      expect(existsSync(path.join(project, "docs", ".totes"))).toBe(false);
    }
  });

  it("`totes clean` removes a data dir with a confirmation line, and refuses a folder that is not one", async () => {
    const data = path.join(scratch, "clean", ".totes");
    await mkdir(path.join(data, "aws"), { recursive: true });
    await writeFile(path.join(data, "credentials.json"), "{}");
    const cleaned = await totes(["clean", "--data-dir", data]);
    expect(cleaned.code).toBe(0);
    expect(cleaned.stdout.startsWith(`removed ${data} (embedded cluster, its password, queues`)).toBe(true);
    expect(existsSync(data)).toBe(false);

    const refused = await totes(["clean", "--data-dir", repo]);
    expect(refused.code).toBe(1);
    expect(lines(refused.stderr)[1]).toBe(
      `totes: ${repo} does not look like a totes data dir (no credentials.json, aws, postgres, databases.json): not deleting it`,
    );
    expect(existsSync(path.join(repo, "package.json"))).toBe(true);
  });
});

describe("deleting the data dir starts over (issue 24: 1)", () => {
  it("as root in a private folder too: a new cluster, not `password authentication failed`", async () => {
    const parent = await mkdtemp(path.join(tmpdir(), "totes-private-"));
    const data = path.join(parent, ".totes");
    try {
      const first = await startEmbeddedPostgres(data);
      const firstUrl = await first.url("postgres");
      await first.stop();
      await rm(data, { recursive: true, force: true });

      const second = await startEmbeddedPostgres(data);
      try {
        const pool = createPool(await second.url("postgres"));
        const { rows } = await pool.query<{ ok: number }>("SELECT 1 AS ok");
        await pool.end();
        expect(rows).toEqual([{ ok: 1 }]);
        expect(new URL(await second.url("postgres")).password).not.toBe(new URL(firstUrl).password);
      } finally {
        await second.stop();
      }
    } finally {
      await totes(["clean", "--data-dir", data]);
      await rm(parent, { recursive: true, force: true });
    }
  });
});

describe("a data dir remembers the databases it ran with (issue 24: 3, 7, 12)", () => {
  let dataDir: string;
  let sourceUrl: string;
  let warehouseUrl: string;
  let password: string;
  let run: Finished;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "totes-remember-"));
    [sourceUrl, warehouseUrl] = await Promise.all([freshDatabaseUrl("nc_src"), freshDatabaseUrl("nc_wh")]);
    password = decodeURIComponent(new URL(sourceUrl).password);
    // The source is initialised the way a newcomer would: `source init`, then `run`.
    const init = await totes(["source", "init", "--url", sourceUrl, "--data-dir", dataDir]);
    expect(init.code, init.stderr).toBe(0);
    run = await totes(["run", "--source", sourceUrl, "--warehouse", warehouseUrl, "--data-dir", dataDir]);
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("keeps the URLs without their password, the password in a mode-600 pgpass", async () => {
    expect(run.code, run.stderr).toBe(0);
    const saved = await readFile(path.join(dataDir, "databases.json"), "utf8");
    expect(saved).not.toContain(password);
    expect(JSON.parse(saved)).toEqual({
      source: sourceUrl.replace(`:${encodeURIComponent(password)}@`, "@"),
      warehouse: warehouseUrl.replace(`:${encodeURIComponent(password)}@`, "@"),
    });
    expect(statSync(path.join(dataDir, "pgpass")).mode & 0o777).toBe(0o600);
  });

  it("`status`, `runs` and `verify` then need no flags, read the external databases and create no cluster", async () => {
    const status = await totes(["status", "--data-dir", dataDir]);
    const runs = await totes(["runs", "--data-dir", dataDir]);
    const verify = await totes(["verify", "--data-dir", dataDir, "--table", "design", "dim_staff"]);

    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^ {2}fact_sales_order +11187$/m);
    expect(status.stdout).not.toContain("(missing)");
    expect(runs.code, runs.stderr).toBe(0);
    // Labelled by what started it: a `totes run`, not the schedule.
    expect(runs.stdout).toMatch(/^\S+Z {2}run {9}\d+ rows in \d+ objects/m);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toContain("dim_design");
    expect(existsSync(path.join(dataDir, "credentials.json"))).toBe(false);
    expect(existsSync(path.join(dataDir, "postgres"))).toBe(false);
    for (const out of [run, status, runs, verify]) expect(out.stdout + out.stderr).not.toContain(password);
  });

  it("`source init --reset` then `run` just works: the tool that reset the source resets the cursors", async () => {
    const reset = await totes(["source", "init", "--reset", "--data-dir", dataDir]);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toContain("reset the extraction cursors of every table");
    const again = await totes(["run", "--data-dir", dataDir]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/fact_sales_order +0 rows written from 11187/);
  });

  it("`run` on a database without the schema names `source init`; `source init` creates a missing database", async () => {
    const empty = await freshDatabaseUrl("nc_empty");
    const refused = await totes([
      "run",
      "--source",
      empty,
      "--warehouse",
      warehouseUrl,
      "--data-dir",
      dataDir,
    ]);
    expect(refused.code).toBe(1);
    expect(lines(refused.stderr).slice(-2)).toEqual([
      `totes: no totesys schema at ${empty.replace(`:${encodeURIComponent(password)}@`, ":****@")}`,
      `to make one with the shipped sample: npx totes source init --url <that URL> --data-dir ${dataDir}`,
    ]);
    const missing = new URL(empty);
    missing.pathname = `/nc_missing_${Date.now()}`;
    const init = await totes([
      "source",
      "init",
      "--url",
      missing.toString(),
      "--sample",
      "none",
      "--data-dir",
      dataDir,
    ]);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stderr).toContain(`created database ${missing.pathname.slice(1)}`);
  });

  it("`run --every` stops cleanly on SIGTERM to its pid (what a supervisor sends)", async () => {
    const child = spawn(
      process.execPath,
      [path.join(repo, "bin/totes.mjs"), "run", "--every", "1m", "--data-dir", dataDir],
      {
        cwd: repo,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/next run in 1m/.test(stderr)) resolve();
      });
      void exited.then((code) => reject(new Error(`exited ${code} before its first run ended: ${stderr}`)));
    });
    child.kill("SIGTERM");
    expect(await exited).toBe(143);
    expect(stderr).toContain("SIGTERM: stopping after the batches in hand");
  });
  it("under `npx`, a SIGTERM to npm's pid (what a supervisor holds) stops node too", async () => {
    const npx = spawn("npm", ["exec", "--", "totes", "run", "--every", "1m", "--data-dir", dataDir], {
      cwd: repo,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    // The pipes close only when every process holding them, node included, has ended.
    const closed = new Promise<void>((resolve) => npx.stderr.once("close", () => resolve()));
    npx.stdout.resume();
    await new Promise<void>((resolve, reject) => {
      npx.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/next run in 1m/.test(stderr)) resolve();
      });
      npx.once("exit", (code) => {
        if (!/next run in 1m/.test(stderr)) reject(new Error(`npx exited ${code}: ${stderr}`));
      });
    });
    npx.kill("SIGTERM");
    const ended = await Promise.race([
      closed.then(() => "closed"),
      new Promise((r) => setTimeout(() => r("still running"), 30_000)),
    ]);
    expect(ended).toBe("closed");
    expect(stderr).toContain("the npm/npx process that started this one has stopped");
    expect(stderr).toContain("SIGTERM: stopping after the batches in hand");
  });
});
