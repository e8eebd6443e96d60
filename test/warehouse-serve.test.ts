import { execFile, spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STABLE_PORTS, stablePort } from "../runtime/local/postgres/stable-port.js";
import { closedPort } from "./helpers/databases.js";
import { afterDataDirLine } from "./helpers/cli.js";
import { redactUrl } from "../lib/db/pool.js";

const repo = path.resolve(import.meta.dirname, "..");
const env = { ...process.env, TOTES_SOURCE_URL: "", TOTES_WAREHOUSE_URL: "" };

interface Finished {
  code: number;
  stdout: string;
  stderr: string;
}

async function totes(...args: string[]): Promise<Finished> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["bin/totes.mjs", ...args], {
      cwd: repo,
      env,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as Finished;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** `totes warehouse serve`, once its URL and first stderr line are out. */
interface Serving {
  child: ChildProcess;
  url: string;
  stderr: string;
  stop(): Promise<number | null>;
}

/** Servers a failed test may have left running; afterAll stops them (and so their databases). */
const running = new Set<Serving>();

function serve(...args: string[]): Promise<Serving> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/totes.mjs", "warehouse", "serve", ...args], {
      cwd: repo,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    const serving: Serving = {
      child,
      url: "",
      stderr: "",
      stop: () => (running.delete(serving), child.kill("SIGINT"), exited),
    };
    running.add(serving);
    const ready = () => {
      if (stdout.includes("\n") && /Ctrl-C to stop/.test(stderr))
        resolve(Object.assign(serving, { url: stdout.trim(), stderr }));
    };
    child.stdout!.on("data", (chunk: Buffer) => ((stdout += chunk.toString()), ready()));
    child.stderr!.on("data", (chunk: Buffer) => ((stderr += chunk.toString()), ready()));
    child.once("error", reject);
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
}

const portOf = (url: string) => Number(new URL(url).port);

describe("the embedded warehouse's port and URL", () => {
  let parent: string;
  let dataDir: string;
  let blocker: Server | undefined;

  beforeAll(async () => {
    // Traversable, so as root the embedded cluster lives inside it and goes with it.
    parent = await mkdtemp(path.join(tmpdir(), "totes-serve-"));
    await chmod(parent, 0o755);
    dataDir = path.join(parent, "data");
  });
  afterAll(async () => {
    await Promise.all([...running].map((s) => s.stop()));
    blocker?.close();
    await rm(parent, { recursive: true, force: true });
  });

  it("a data directory's default port is the same at every start, within 15432–25431", () => {
    const port = stablePort(dataDir);
    expect(stablePort(path.join(dataDir, "."))).toBe(port);
    expect(port).toBeGreaterThanOrEqual(STABLE_PORTS.first);
    expect(port).toBeLessThan(STABLE_PORTS.first + STABLE_PORTS.count);
    const others = new Set(["/a", "/b", "/c", "/d", "/e"].map(stablePort));
    expect(others.size).toBeGreaterThan(1);
  });

  it("`url` before any cluster exists says so, exit 1", async () => {
    const url = await totes("warehouse", "url", "--data-dir", dataDir);
    expect(url.code).toBe(1);
    expect(url.stdout).toBe("");
    expect(url.stderr).toContain(`no embedded warehouse under ${dataDir} yet`);
  });

  it("`serve` listens on the stable port; `url` says whether it is up, before and after", async () => {
    // Act
    const served = await serve("--data-dir", dataDir);
    const up = await totes("warehouse", "url", "--data-dir", dataDir);
    const code = await served.stop();
    const down = await totes("warehouse", "url", "--data-dir", dataDir);
    // Assess
    expect(portOf(served.url)).toBe(stablePort(dataDir));
    expect(served.stderr).toContain("this data directory's port, the same at every start");
    expect(code).toBe(0);
    expect(up.code).toBe(0);
    // serve prints the URL without its password (issue 24, 11); url prints it whole, on request.
    expect(new URL(served.url).password).toBe("****");
    expect(redactUrl(up.stdout.trim()) === served.url, "url prints the URL serve printed").toBe(true);
    expect(afterDataDirLine(up.stderr)).toMatch(/^the embedded server is up \(pid \d+, port \d+\)/);
    expect(down.code).toBe(0);
    expect(redactUrl(down.stdout.trim()) === served.url, "the same URL once served again").toBe(true);
    expect(down.stderr).toContain("the embedded server is not running");
  });

  it("the stable port taken: `serve` starts on a free one and says so; `--port` taken: exit 1", async () => {
    // Prepare: something else listens on this data directory's port.
    const port = stablePort(dataDir);
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(port, "127.0.0.1", resolve));
    // Act
    const served = await serve("--data-dir", dataDir);
    await served.stop();
    const refused = await totes("warehouse", "serve", "--data-dir", dataDir, "--port", String(port));
    // Assess
    expect(portOf(served.url)).not.toBe(port);
    expect(served.stderr).toContain(
      `port ${port} is in use on 127.0.0.1: starting the embedded server on port ${portOf(served.url)}`,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`port ${port} is in use on 127.0.0.1`);
    expect(refused.stderr).toContain("choose another port (--port)");
  });

  it("`serve --port N` listens on N, and `url` finds it there", async () => {
    const port = await closedPort();
    const served = await serve("--data-dir", dataDir, "--port", String(port));
    const up = await totes("warehouse", "url", "--data-dir", dataDir);
    await served.stop();
    expect(portOf(served.url)).toBe(port);
    expect(portOf(up.stdout.trim())).toBe(port);
    expect(up.stderr).toContain(`port ${port}): the URL works while it runs`);
  });

  it("a --port that is not a port is refused, naming it", async () => {
    const bad = await totes("warehouse", "serve", "--data-dir", dataDir, "--port", "80x");
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('totes: --port: expected a port number from 1 to 65535, not "80x"');
  });
});
