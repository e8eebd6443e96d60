import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repo = path.resolve(import.meta.dirname, "..");

/** `totes run` with its own TMPDIR, so what it leaves in a temp folder can be seen. */
async function runTotes(dataDir: string, tmp: string): Promise<{ code: number; stderr: string }> {
  try {
    await promisify(execFile)(
      process.execPath,
      [path.join(repo, "bin/totes.mjs"), "run", "--data-dir", dataDir],
      {
        cwd: repo,
        env: { ...process.env, TMPDIR: tmp, TOTES_SOURCE_URL: "", TOTES_WAREHOUSE_URL: "" },
      },
    );
    return { code: 0, stderr: "" };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

describe("an embedded server that cannot start", () => {
  let parent: string;
  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), "totes-embedded-"));
    await chmod(parent, 0o755);
  });
  afterAll(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  async function case_(name: string) {
    const dataDir = path.join(parent, name, "data");
    const tmp = path.join(parent, name, "tmp");
    await mkdir(path.join(dataDir, "postgres"), { recursive: true });
    await mkdir(tmp, { recursive: true });
    return { dataDir, tmp, cluster: path.join(dataDir, "postgres") };
  }

  it("a cluster initdb cannot create: one paragraph naming the step and folder, exit 1, no password file left", async () => {
    const { dataDir, tmp, cluster } = await case_("initdb");
    // initdb refuses a folder that is not empty.
    await writeFile(path.join(cluster, "left-over"), "x");
    const { code, stderr } = await runTotes(dataDir, tmp);
    expect(code).toBe(1);
    expect(stderr).toContain(`totes: embedded PostgreSQL: could not initialise a cluster in ${cluster}`);
    expect(stderr).toContain("What to do:");
    expect(stderr).toMatch(/exists but is not empty/);
    expect(stderr).not.toMatch(/\n\s+at |Unhandled 'error'/);
    expect((await readdir(tmp)).filter((f) => /pg-password|initdb/.test(f))).toEqual([]);
  });

  it("a damaged cluster: the server's own last words and what to do, exit 1", async () => {
    const { dataDir, tmp, cluster } = await case_("damaged");
    await writeFile(path.join(cluster, "PG_VERSION"), "15\n");
    const { code, stderr } = await runTotes(dataDir, tmp);
    expect(code).toBe(1);
    expect(stderr).toContain("totes: embedded PostgreSQL: could not start the server for");
    expect(stderr).toContain("Last lines of the server log:");
    expect(stderr).toContain("What to do:");
    expect(stderr).not.toMatch(/\n\s+at |Unhandled 'error'/);
    expect((await readdir(tmp)).filter((f) => /pg-password|initdb/.test(f))).toEqual([]);
  });
});
