import { lstat, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pidAlive } from "../process-identity.js";

const PREFIX = "totes-transform-";
/** A process's DuckDB spill directory (duckdb-session.ts), one for its whole life. */
const SPILL_PREFIX = "totes-duckdb-";
/** `totes-transform-<pid>-XXXXXX`, `totes-duckdb-<pid>-XXXXXX`: mkdtemp adds the six characters. */
const OWNED = /^totes-(transform|duckdb)-(\d+)-[A-Za-z0-9]{6}$/;
/** Names from before the pid was part of them. */
const UNOWNED = /^totes-transform-[A-Za-z0-9]{6}$/;

/**
 * Past this a work directory is abandoned whoever has its pid now: one object's transform
 * takes minutes at most (a Lambda is stopped at 15), and its files are written throughout.
 */
export const STALE_AFTER_MS = 6 * 3_600_000;
/** A long-lived process (`totes run --every`) looks again after this, not at every object. */
const SWEEP_EVERY_MS = 10 * 60_000;

/** When this process started, as a wall-clock time: a directory older than that is not its own. */
const processStartedAt = () => Date.now() - process.uptime() * 1000;

export interface SweepOptions {
  /** Default: the system temp directory. */
  readonly dir?: string;
  readonly now?: number;
  readonly staleAfterMs?: number;
}

/**
 * Removes transform work directories and DuckDB spill directories whose process has gone: each
 * holds a copy of source rows (the input CSV, spilled DuckDB data), and a process that is
 * killed (SIGKILL, a Lambda timeout) cannot remove its own. Returns the paths removed; never
 * fails.
 */
export async function sweepStaleWorkDirs(options: SweepOptions = {}): Promise<string[]> {
  const dir = options.dir ?? tmpdir();
  const now = options.now ?? Date.now();
  const staleAfter = options.staleAfterMs ?? STALE_AFTER_MS;
  const uid = process.getuid?.();
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(PREFIX) && !name.startsWith(SPILL_PREFIX)) continue;
    const owned = OWNED.exec(name);
    if (!owned && !UNOWNED.test(name)) continue;
    const full = path.join(dir, name);
    const info = await lstat(full).catch(() => undefined);
    // In a shared /tmp: only real directories, and only this user's.
    if (!info?.isDirectory() || (uid !== undefined && info.uid !== uid)) continue;
    const pid = owned ? Number(owned[2]) : undefined;
    // A spill directory lives as long as its process (`totes run --every`: days): never by age.
    const old = owned?.[1] !== "duckdb" && now - info.mtimeMs > staleAfter;
    const stale =
      pid === undefined
        ? old
        : pid === process.pid
          ? // This pid in a name older than this process: a previous life of a reused pid.
            info.mtimeMs < processStartedAt() - 1000
          : !pidAlive(pid) || old;
    if (!stale) continue;
    await rm(full, { recursive: true, force: true }).then(
      () => removed.push(full),
      () => undefined,
    );
  }
  return removed;
}

/** Last sweep per temp directory (TMPDIR may change within a process, as tests do). */
const lastSweep = new Map<string, number>();

/**
 * A private (mode 700, as mkdtemp makes it) work directory for one transform, named with
 * this process's pid so a later process can tell whether its owner is still running.
 * Stale ones are swept first, at most every few minutes.
 */
export async function makeWorkDir(): Promise<string> {
  const dir = tmpdir();
  if (Date.now() - (lastSweep.get(dir) ?? 0) >= SWEEP_EVERY_MS) {
    lastSweep.set(dir, Date.now());
    await sweepStaleWorkDirs({ dir });
  }
  return mkdtemp(path.join(dir, `${PREFIX}${process.pid}-`));
}

/**
 * The private (mode 700) directory this process's shared DuckDB spills into, named with its
 * pid like a work directory, so a later process sweeps it once this one has gone.
 */
export async function makeSpillDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `${SPILL_PREFIX}${process.pid}-`));
}
