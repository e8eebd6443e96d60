import { randomBytes } from "node:crypto";
import { link, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  identityAlive,
  ownIdentity,
  pidLooksLikeNode,
  type ProcessIdentity,
} from "../../lib/process-identity.js";

/** Another live process holds the local runtime's state directory. */
export class DataDirBusyError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      (pid === process.pid
        ? `${dataDir} is already in use by this totes process (pid ${pid}); `
        : `${dataDir} is in use by another totes process (pid ${pid}); `) +
        "its local queues and objects are saved when it stops, and two writers would overwrite each other. Stop it first.",
    );
    this.name = "DataDirBusyError";
  }
}

/** Tells a totes lock from anything else that could sit at that path. */
const MARKER = "totes data-dir lock";

interface LockRecord extends ProcessIdentity {
  readonly marker: typeof MARKER;
}

/** What a lock file says about its holder; `legacy` for the bare pid older versions wrote. */
type Holder = { readonly identity: ProcessIdentity; readonly legacy: boolean } | undefined;

function parseHolder(text: string): Holder {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { identity: { pid: Number(trimmed) }, legacy: true };
  try {
    const record = JSON.parse(trimmed) as Partial<LockRecord>;
    if (record.marker !== MARKER || typeof record.pid !== "number") return undefined;
    return {
      identity: {
        pid: record.pid,
        ...(typeof record.startTicks === "string" ? { startTicks: record.startTicks } : {}),
        ...(typeof record.bootId === "string" ? { bootId: record.bootId } : {}),
      },
      legacy: false,
    };
  } catch {
    return undefined;
  }
}

/**
 * Whether the holder is a live totes process. A pid alone is not trusted: a reused one
 * (after a container restart the new totes process may even get the same pid) would block
 * every run for as long as that unrelated process lives.
 */
async function holderAlive(holder: Holder): Promise<boolean> {
  if (!holder) return false;
  if (holder.legacy)
    // This process never wrote a bare pid, so its own pid there is a leftover.
    return holder.identity.pid !== process.pid && (await pidLooksLikeNode(holder.identity.pid));
  return identityAlive(holder.identity);
}

/**
 * Creates `file` holding `content`, or fails with EEXIST. Written aside and hard-linked in,
 * so a reader never sees the file empty or half written and mistakes it for a stale lock.
 */
async function createWith(file: string, content: string): Promise<void> {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
  await writeFile(aside, content, { flag: "wx", mode: 0o644 });
  try {
    await link(aside, file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Some file systems have no hard links: fall back to an exclusive create.
    if (code === "EPERM" || code === "ENOTSUP" || code === "ENOSYS")
      await writeFile(file, content, { flag: "wx" });
    else throw error;
  } finally {
    await rm(aside, { force: true });
  }
}

/**
 * One process at a time per data directory: state is saved whole on stop, so a second
 * process (a `dlq replay` beside a scheduled `run`) would silently undo the other's work.
 * The lock records the holder's pid with, on Linux, its start time; a lock whose holder
 * is gone (that pid not running, or running but started later) is taken over.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const file = path.join(dataDir, "aws", "lock");
  await mkdir(path.dirname(file), { recursive: true });
  const own = await ownIdentity();
  const content = JSON.stringify({ marker: MARKER, ...own } satisfies LockRecord);
  for (;;) {
    try {
      await createWith(file, content);
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST")
        throw new Error(`cannot lock ${dataDir} (${file}): ${(error as Error).message}`, { cause: error });
      const seen = await readFile(file, "utf8").catch(() => "");
      const holder = parseHolder(seen);
      if (holder && (await holderAlive(holder))) throw new DataDirBusyError(dataDir, holder.identity.pid);
      // Only remove what was judged stale: another process may have taken it over meanwhile.
      if ((await readFile(file, "utf8").catch(() => "")) === seen) await rm(file, { force: true });
    }
  }
}
