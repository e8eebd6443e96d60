import { readFile } from "node:fs/promises";
import path from "node:path";

/**
 * Which process wrote a lock or owns a work directory. A pid alone is not enough: after a
 * container restart (or just enough time) the same pid belongs to an unrelated process, so
 * on Linux the kernel's start time of the process (and the boot it started in) go with it.
 */
export interface ProcessIdentity {
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks after boot); absent where there is no /proc. */
  readonly startTicks?: string;
  /** /proc/sys/kernel/random/boot_id: start ticks restart from zero at every boot. */
  readonly bootId?: string;
}

/** Kill -0: true when the pid exists, also when it is another user's (EPERM). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** "missing": the pid has gone; "unknown": nothing to read (no /proc, or hidden by hidepid). */
type ProcRead = { readonly found: string } | "missing" | "unknown";

async function readProc(pid: number | "self", file: string): Promise<ProcRead> {
  try {
    return { found: await readFile(`/proc/${pid}/${file}`, "utf8") };
  } catch {
    // No /proc entry for a pid kill -0 still finds: no procfs here, or another user's
    // process hidden from us. Either way only pid liveness is known.
    return pid !== "self" && !pidAlive(pid) ? "missing" : "unknown";
  }
}

/** The command name may hold spaces and parentheses: fields are counted after its last ")". */
function startTicksOf(stat: string): string | undefined {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Field 3 (state) is the first after the name, so field 22 is index 19.
  const ticks = fields[19];
  return ticks && /^\d+$/.test(ticks) ? ticks : undefined;
}

async function bootId(): Promise<string | undefined> {
  return readFile("/proc/sys/kernel/random/boot_id", "utf8").then(
    (id) => id.trim() || undefined,
    () => undefined,
  );
}

/** This process, as a later reader of a lock file will check it. */
export async function ownIdentity(): Promise<ProcessIdentity> {
  const stat = await readProc("self", "stat");
  const startTicks = typeof stat === "object" ? startTicksOf(stat.found) : undefined;
  if (!startTicks) return { pid: process.pid };
  const boot = await bootId();
  return { pid: process.pid, startTicks, ...(boot ? { bootId: boot } : {}) };
}

/**
 * True while the very process the identity names is running. Without a recorded start time
 * (written where there is no /proc) it falls back to pid liveness.
 */
export async function identityAlive(identity: ProcessIdentity): Promise<boolean> {
  if (!pidAlive(identity.pid)) return false;
  if (identity.startTicks === undefined) return true;
  const stat = await readProc(identity.pid, "stat");
  if (stat === "missing") return false;
  if (stat === "unknown") return true;
  if (identity.bootId !== undefined) {
    const boot = await bootId();
    if (boot !== undefined && boot !== identity.bootId) return false;
  }
  return startTicksOf(stat.found) === identity.startTicks;
}

/**
 * For records that carry only a pid (written before start times were recorded): on Linux
 * the pid counts only if it is a Node process, which every totes process is; elsewhere
 * pid liveness is all there is to go on.
 */
export async function pidLooksLikeNode(pid: number): Promise<boolean> {
  if (!pidAlive(pid)) return false;
  const cmdline = await readProc(pid, "cmdline");
  if (cmdline === "missing") return false;
  if (cmdline === "unknown") return true;
  const program = path.basename(cmdline.found.split("\0")[0] ?? "");
  return program.startsWith("node");
}
