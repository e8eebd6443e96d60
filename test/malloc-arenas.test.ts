import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { LOAD_ENVIRONMENT } from "../runtime/lambda/load-environment.js";

/**
 * A Node process whose worker threads allocate and free buffers at once (as V8's helper threads
 * do through a load), started with `env`: how many malloc arenas besides the main one it made
 * (glibc maps each as a 64 MiB-aligned heap).
 */
async function extraArenas(env: NodeJS.ProcessEnv): Promise<number> {
  const script = `
    import { Worker } from "node:worker_threads";
    import { readFileSync } from "node:fs";
    const work = "for (let i = 0; i < 2000; i++) Buffer.allocUnsafeSlow(64 * 1024)[0] = i;";
    await Promise.all(Array.from({ length: 4 }, () => new Promise((done) => new Worker(work, { eval: true }).on("exit", done))));
    const heaps = readFileSync("/proc/self/maps", "utf8").split("\\n").filter((line) => {
      const m = /^([0-9a-f]+)-[0-9a-f]+ rw-p 00000000 00:00 0\\s*$/.exec(line);
      return m !== null && BigInt("0x" + m[1]) % (64n << 20n) === 0n;
    });
    console.log(heaps.length);
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
    env,
    timeout: 60_000,
  });
  return Number(stdout.trim());
}

describe("the load function's environment (glibc's malloc)", () => {
  it.runIf(process.platform === "linux")(
    "keeps every thread's allocations in the one main arena; without it, threads make arenas of their own",
    async () => {
      // Prepare
      const { MALLOC_ARENA_MAX: _, ...inherited } = process.env;

      // Act
      const [held, free] = await Promise.all([
        extraArenas({ ...inherited, ...LOAD_ENVIRONMENT }),
        extraArenas(inherited),
      ]);

      // Assess
      expect(held).toBe(0);
      expect(free).toBeGreaterThan(0);
    },
    90_000,
  );
});
