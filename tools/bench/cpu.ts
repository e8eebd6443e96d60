import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU seconds, beside wall time. On a machine shared with other work, wall time stretches with
 * whoever else is running; the CPU a piece of work burns moves far less. Three places burn it:
 * the child that runs the stage (all its threads: DuckDB's too), the parent (the in-process S3
 * endpoint the child talks to) and the Postgres cluster (backends, walwriter, checkpointer).
 */

/**
 * How long this process's main thread (the JavaScript one) has sat runnable but waiting for a
 * CPU: the scheduler's run-queue delay, the second field of /proc/self/schedstat. That part of
 * the wall time is other people's work, not ours. Undefined where the kernel does not keep it.
 */
function runQueueSeconds(): number | undefined {
  try {
    return Number(readFileSync("/proc/self/schedstat", "utf8").split(" ")[1]) / 1e9;
  } catch {
    return undefined;
  }
}

/** A piece of work's own CPU, started now; `stop()` gives wall, CPU and run-queue seconds since. */
export function startClock(): { stop(): { seconds: number; cpuSeconds: number; waitSeconds?: number } } {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const w0 = runQueueSeconds();
  return {
    stop() {
      const c = process.cpuUsage(c0);
      const w1 = runQueueSeconds();
      return {
        seconds: (performance.now() - t0) / 1000,
        cpuSeconds: (c.user + c.system) / 1e6,
        ...(w0 !== undefined && w1 !== undefined ? { waitSeconds: Math.max(0, w1 - w0) } : {}),
      };
    },
  };
}

let ticks: number | undefined;
function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

interface ProcTimes {
  readonly ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks: a process and its reaped children. */
  readonly ticks: number;
}

function procTimes(pid: number | string): ProcTimes | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): state ppid … utime(14) stime cutime cstime.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const n = (i: number) => Number(f[i - 3]);
    return { ppid: n(4), ticks: n(14) + n(15) + n(16) + n(17) };
  } catch {
    return undefined; // gone, or not Linux
  }
}

/**
 * CPU seconds the cluster has burnt so far: the postmaster with the backends it has reaped
 * (their time lands in its cutime/cstime when they exit) plus the live ones. The difference
 * of two readings is what the cluster spent in between, whichever backends came and went.
 */
export function clusterCpuSeconds(postmasterPid: number): number | undefined {
  const root = procTimes(postmasterPid);
  if (!root) return undefined;
  let total = root.ticks;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === postmasterPid) continue;
    const t = procTimes(entry);
    if (t?.ppid === postmasterPid) total += t.ticks;
  }
  return total / clockTicks();
}

/** The parent's own CPU seconds so far (the S3 endpoint serves requests in this process). */
export const ownCpuSeconds = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};
