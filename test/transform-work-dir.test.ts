import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ingestionKey } from "../lib/pipeline/keys.js";
import { transformObject } from "../lib/transform/transform.js";
import { makeWorkDir, STALE_AFTER_MS, sweepStaleWorkDirs } from "../lib/transform/work-dir.js";
import { startObjectStore } from "./helpers/object-store.js";

let dir: string;
const sleepers: ReturnType<typeof spawn>[] = [];

/** A pid that was real and has gone. */
async function deadPid(): Promise<number> {
  const child = spawn("sleep", ["300"], { stdio: "ignore" });
  await once(child, "spawn");
  child.kill("SIGKILL");
  await once(child, "exit");
  return child.pid!;
}

async function livePid(): Promise<number> {
  const child = spawn("sleep", ["300"], { stdio: "ignore" });
  sleepers.push(child);
  await once(child, "spawn");
  return child.pid!;
}

/** A work directory as a transform leaves it, with a copy of source rows inside. */
async function workDir(name: string, ageMs = 0): Promise<string> {
  const full = path.join(dir, name);
  await mkdir(full);
  await writeFile(path.join(full, "input.csv"), "currency_id,currency_code\n1,GBP\n");
  const at = new Date(Date.now() - ageMs);
  await utimes(full, at, at);
  return full;
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "totes-workdirs-"));
});
afterEach(async () => {
  for (const child of sleepers.splice(0)) child.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

describe("transform work directories", () => {
  it("are private and named with the pid of the process that owns them", async () => {
    const made = await makeWorkDir();
    try {
      const name = path.basename(made);
      expect(name.startsWith(`totes-transform-${process.pid}-`)).toBe(true);
      expect(name).toMatch(/^totes-transform-\d+-[A-Za-z0-9]{6}$/);
      expect((await stat(made)).mode & 0o777).toBe(0o700);
    } finally {
      await rm(made, { recursive: true, force: true });
    }
  });

  it("left by a process that has gone are removed; live ones and other files are kept", async () => {
    // Prepare
    const dead = await workDir(`totes-transform-${await deadPid()}-aB3dE6`);
    const live = await workDir(`totes-transform-${await livePid()}-aB3dE6`);
    const mine = await workDir(`totes-transform-${process.pid}-aB3dE6`);
    const reusedPid = await workDir(
      `totes-transform-${process.pid}-zZ9yY8`,
      process.uptime() * 1000 + 60_000,
    );
    const liveButAncient = await workDir(
      `totes-transform-${await livePid()}-qQ1wW2`,
      STALE_AFTER_MS + 60_000,
    );
    const oldUnowned = await workDir("totes-transform-Xy12Ab", STALE_AFTER_MS + 60_000);
    const newUnowned = await workDir("totes-transform-Xy12Ac");
    const other = await workDir("totes-transformer-123-aB3dE6", STALE_AFTER_MS + 60_000);
    // DuckDB spill directories: a gone process's goes; a live one's stays however old.
    const deadSpill = await workDir(`totes-duckdb-${await deadPid()}-sP1ll0`);
    const liveAncientSpill = await workDir(`totes-duckdb-${await livePid()}-sP1ll1`, STALE_AFTER_MS + 60_000);
    await writeFile(path.join(dir, `totes-transform-${await deadPid()}-fiLe00`), "not a directory");

    // Act
    const removed = await sweepStaleWorkDirs({ dir });

    // Assess
    expect(removed.sort()).toEqual([dead, reusedPid, liveButAncient, oldUnowned, deadSpill].sort());
    const left = await readdir(dir);
    for (const kept of [live, mine, newUnowned, other, liveAncientSpill])
      expect(left).toContain(path.basename(kept));
    expect(left.filter((n) => n.endsWith("fiLe00"))).toHaveLength(1);
  });
});

describe("a transform after one was killed", () => {
  let buckets: Awaited<ReturnType<typeof startObjectStore>>;
  const savedTmp = process.env.TMPDIR;
  beforeAll(async () => {
    buckets = await startObjectStore();
  });
  afterAll(async () => {
    await buckets.stop();
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
  });

  it("removes the killed one's work directory and leaves none of its own", async () => {
    const stale = await workDir(`totes-transform-${await deadPid()}-kiLLed`);
    process.env.TMPDIR = dir;
    const key = ingestionKey("currency", "20241116T100000000Z");
    const ts = "2024-11-16 10:00:00.123";
    await buckets.store.putBytes(
      buckets.ingestionBucket,
      key,
      `currency_id,currency_code,created_at,last_updated\n1,GBP,${ts},${ts}\n`,
    );
    const result = await transformObject(buckets, key);
    expect(result.rowsIn).toBe(1);
    expect(await readdir(dir)).not.toContain(path.basename(stale));
    expect((await readdir(dir)).filter((n) => n.startsWith("totes-transform-"))).toEqual([]);
  });
});
