import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataDirBusyError } from "../runtime/local/index.js";
import { lockDataDir } from "../runtime/local/data-dir-lock.js";
import { identityAlive, ownIdentity } from "../lib/process-identity.js";

let dir: string;
let lockFile: string;
const children: ChildProcess[] = [];

/** An unrelated live process, standing for whatever got a dead holder's pid. */
async function sleeper(): Promise<number> {
  const child = spawn("sleep", ["300"], { stdio: "ignore" });
  children.push(child);
  await once(child, "spawn");
  return child.pid!;
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "totes-lock-"));
  lockFile = path.join(dir, "aws", "lock");
  await mkdir(path.dirname(lockFile), { recursive: true });
});

afterEach(async () => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

describe("the data-directory lock", () => {
  it("is not blocked by a bare pid of a live process that is not totes", async () => {
    // Prepare: the lock format older versions wrote, naming a live `sleep`.
    await writeFile(lockFile, String(await sleeper()));
    // Act
    const unlock = await lockDataDir(dir);
    // Assess: taken over, and now names this process.
    expect(JSON.parse(await readFile(lockFile, "utf8"))).toMatchObject({ pid: process.pid });
    await unlock();
  });

  it("is not blocked by a record whose pid is alive but started after the lock was written", async () => {
    const pid = await sleeper();
    await writeFile(
      lockFile,
      JSON.stringify({
        marker: "totes data-dir lock",
        pid,
        startTicks: "1",
        bootId: (await ownIdentity()).bootId,
      }),
    );
    const unlock = await lockDataDir(dir);
    await unlock();
  });

  it("is not blocked by its own pid left in the old format (a restarted container reuses pids)", async () => {
    await writeFile(lockFile, String(process.pid));
    const unlock = await lockDataDir(dir);
    await unlock();
  });

  it("blocks a second holder in the same process until the first unlocks", async () => {
    const unlock = await lockDataDir(dir);
    const second = lockDataDir(dir);
    await expect(second).rejects.toBeInstanceOf(DataDirBusyError);
    await expect(second).rejects.toThrow(`already in use by this totes process (pid ${process.pid})`);
    await unlock();
    const again = await lockDataDir(dir);
    await again();
  });

  it("falls back to pid liveness for a record without a start time (written where there is no /proc)", async () => {
    await writeFile(lockFile, JSON.stringify({ marker: "totes data-dir lock", pid: await sleeper() }));
    await expect(lockDataDir(dir)).rejects.toBeInstanceOf(DataDirBusyError);
  });
});

describe("process identity", () => {
  it("knows this process is alive, and a pid with another start time is not it", async () => {
    const own = await ownIdentity();
    expect(await identityAlive(own)).toBe(true);
    if (own.startTicks !== undefined) {
      expect(own.startTicks).toMatch(/^\d+$/);
      expect(await identityAlive({ ...own, startTicks: String(Number(own.startTicks) + 1) })).toBe(false);
    }
    const pid = await sleeper();
    const child = children.at(-1)!;
    child.kill("SIGKILL");
    await once(child, "exit");
    expect(await identityAlive({ pid })).toBe(false);
  });
});
