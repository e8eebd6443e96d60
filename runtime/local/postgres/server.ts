import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, statSync } from "node:fs";
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { PostgresBinaries } from "./binaries.js";
import { EmbeddedPostgresError } from "./errors.js";

/** The account the server runs as: `undefined` for the current user. */
export interface ServerAccount {
  readonly uid: number;
  readonly gid: number;
}

export interface ServerSpec {
  readonly binaries: PostgresBinaries;
  readonly dataDir: string;
  readonly account?: ServerAccount;
  /** Where the server's stdout/stderr go (opened by us, so the server need not reach its folder). */
  readonly logFile: string;
}

const READY_TIMEOUT_MS = 60_000;

/** The last lines the server wrote to its log since `offset`, for error messages. */
function logTail(logFile: string, offset: number, lines = 12): string[] {
  try {
    const text = readFileSync(logFile, "utf8").slice(offset);
    return text.trimEnd().split("\n").filter(Boolean).slice(-lines);
  } catch {
    return [];
  }
}

function logSize(logFile: string): number {
  try {
    return statSync(logFile).size;
  } catch {
    return 0;
  }
}

/** Runs a binary to completion with its output in the log; resolves on exit 0. */
async function runToCompletion(spec: ServerSpec, file: string, args: string[], step: string): Promise<void> {
  const offset = logSize(spec.logFile);
  const out = openSync(spec.logFile, "a", 0o600);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(file, args, {
        stdio: ["ignore", out, out],
        uid: spec.account?.uid,
        gid: spec.account?.gid,
        env: { ...process.env, LC_ALL: "C" },
      });
      child.once("error", (error) =>
        reject(
          new EmbeddedPostgresError(step, `${file} could not be run (${error.message})`, spawnAdvice(spec), {
            cause: error,
          }),
        ),
      );
      child.once("exit", (code, signal) => {
        if (code === 0) resolve();
        else
          reject(
            new EmbeddedPostgresError(
              step,
              `${path.basename(file)} exited with ${code ?? signal}`,
              `read ${spec.logFile}; if ${spec.dataDir} is half-made, remove it and retry`,
              { serverLog: logTail(spec.logFile, offset) },
            ),
          );
      });
    });
  } finally {
    closeSync(out);
  }
}

function spawnAdvice(spec: ServerSpec): string {
  return spec.account
    ? `check that the postgres user (uid ${spec.account.uid}) can read and execute ${spec.binaries.root}`
    : `check that ${spec.binaries.root} is readable and executable (reinstall with \`npm ci\`)`;
}

/**
 * A new cluster. The superuser password reaches initdb through a file that only the
 * server's account can read, in a private folder removed as soon as initdb returns.
 */
export async function initCluster(spec: ServerSpec, user: string, password: string): Promise<void> {
  const parent = path.dirname(spec.dataDir);
  await mkdir(parent, { recursive: true });
  await mkdir(spec.dataDir, { recursive: true, mode: 0o700 });
  const secretDir = await mkdtemp(path.join(tmpdir(), "totes-initdb-"));
  const passwordFile = path.join(secretDir, randomBytes(6).toString("hex"));
  try {
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    if (spec.account) {
      await chown(spec.dataDir, spec.account.uid, spec.account.gid);
      await chown(secretDir, spec.account.uid, spec.account.gid);
      await chown(passwordFile, spec.account.uid, spec.account.gid);
    }
    await runToCompletion(
      spec,
      spec.binaries.initdb,
      [
        `--pgdata=${spec.dataDir}`,
        "--auth=scram-sha-256",
        `--username=${user}`,
        `--pwfile=${passwordFile}`,
        // C collation and UTF-8 on every machine: sorting never depends on the host's locales.
        "--no-locale",
        "--encoding=UTF8",
      ],
      `initialise a cluster in ${spec.dataDir}`,
    );
  } finally {
    await rm(secretDir, { recursive: true, force: true });
  }
}

/** Reads `postmaster.pid`: pid, port and whether the server says it accepts connections. */
export function postmasterStatus(dataDir: string): { pid: number; port: number; ready: boolean } | undefined {
  const file = path.join(dataDir, "postmaster.pid");
  if (!existsSync(file)) return undefined;
  try {
    const lines = readFileSync(file, "utf8").split("\n");
    const pid = Number(lines[0]);
    const port = Number(lines[3]);
    if (!pid || !port) return undefined;
    return { pid, port, ready: lines[7]?.trim() === "ready" };
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the server in its own session (`detached`), so the terminal's Ctrl-C, which goes
 * to the whole foreground process group, reaches only the CLI: the CLI decides when the
 * server stops, after it has saved its state.
 */
export async function startServer(
  spec: ServerSpec,
  port: number,
  flags: readonly string[],
): Promise<ChildProcess> {
  const offset = logSize(spec.logFile);
  const out = openSync(spec.logFile, "a", 0o600);
  const step = `start the server for ${spec.dataDir} on port ${port}`;
  let child: ChildProcess;
  try {
    child = spawn(spec.binaries.postgres, ["-D", spec.dataDir, "-p", String(port), ...flags], {
      stdio: ["ignore", out, out],
      detached: true,
      uid: spec.account?.uid,
      gid: spec.account?.gid,
      env: { ...process.env, LC_ALL: "C" },
    });
  } finally {
    closeSync(out);
  }
  let failure: EmbeddedPostgresError | undefined;
  child.once("error", (error) => {
    failure = new EmbeddedPostgresError(
      step,
      `${spec.binaries.postgres} could not be run (${error.message})`,
      spawnAdvice(spec),
      { cause: error },
    );
  });
  child.once("exit", (code, signal) => {
    failure ??= new EmbeddedPostgresError(
      step,
      `the server exited during start-up (${code ?? signal})`,
      `read ${spec.logFile}; a port in use or a damaged ${spec.dataDir} are the usual causes`,
      { serverLog: logTail(spec.logFile, offset) },
    );
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (failure) throw failure;
    const status = postmasterStatus(spec.dataDir);
    if (status?.ready && status.pid === child.pid) break;
    if (Date.now() > deadline) {
      child.kill("SIGQUIT");
      throw new EmbeddedPostgresError(
        step,
        `the server was not ready after ${READY_TIMEOUT_MS / 1000} s`,
        `read ${spec.logFile}`,
        { serverLog: logTail(spec.logFile, offset) },
      );
    }
    await sleep(50);
  }
  // The server outlives nothing by accident: the CLI stops it, and a process that dies
  // leaves it running for the next one to join (see startEmbeddedPostgres).
  child.unref();
  return child;
}

/** Fast shutdown (SIGINT: roll back open transactions, checkpoint, exit); waits for the exit. */
export async function stopServer(child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGINT");
  // An immediate shutdown if the fast one hangs; the timer must not keep the process alive.
  const escalate = setTimeout(() => child.kill("SIGQUIT"), timeoutMs);
  try {
    await exited;
  } finally {
    clearTimeout(escalate);
  }
}

/** Whether the data directory holds a cluster (initdb removes one it failed to finish). */
export async function isInitialised(dataDir: string): Promise<boolean> {
  try {
    return (await readFile(path.join(dataDir, "PG_VERSION"), "utf8")).trim().length > 0;
  } catch {
    return false;
  }
}
