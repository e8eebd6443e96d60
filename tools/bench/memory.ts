import { readFileSync } from "node:fs";

/**
 * Peak RSS. Each stage and each anchor runs in its own child process, so the kernel's
 * high-water mark (VmHWM) belongs to that piece of work alone, not to whatever
 * ran before it in the same process. Inside a child, a sampler also notes the peak while
 * each table is handled, to see whether memory follows table size.
 */
/**
 * This process image's own high-water mark: VmHWM from /proc (Linux). Not getrusage's maxRSS:
 * Linux carries into a forked child the RSS its parent had at fork time (the parent here
 * holds the in-memory object store), so every child would report at least the parent's size.
 */
export function maxRssMb(): number {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
    if (kb) return Number(kb) / 1024;
  } catch {
    // not Linux: fall through
  }
  return process.resourceUsage().maxRSS / 1024;
}

const rssMb = (): number => process.memoryUsage.rss() / (1024 * 1024);

export class RssSampler {
  private peak = rssMb();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 25) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    this.peak = Math.max(this.peak, rssMb());
  }

  /** The peak since the last call (or since the start), and starts a new interval. */
  take(): number {
    this.sample();
    const peak = this.peak;
    this.peak = rssMb();
    return Math.round(peak);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
