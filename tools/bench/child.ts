import { fork } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { LOAD_ENVIRONMENT } from "../../runtime/lambda/load-environment.js";
import type { BenchContext, RunnerReport } from "./context.js";
import type { RunnerMessage, RunnerName } from "./runner.js";

const RUNNER = fileURLToPath(new URL("./runner.ts", import.meta.url));

/** Runs one stage or anchor in a fresh Node process (through tsx) and returns its report. */
export function runInChild(name: RunnerName, ctx: BenchContext): Promise<RunnerReport> {
  return new Promise((resolve, reject) => {
    const child = fork(RUNNER, [], {
      // --profile DIR: each child writes V8 CPU profiles (one per thread; the main thread's is
      // the largest) into DIR/<stage>/, for Chrome DevTools.
      execArgv: [
        "--import",
        "tsx",
        ...(process.env.TOTES_BENCH_PROFILE_DIR
          ? ["--cpu-prof", `--cpu-prof-dir=${path.join(process.env.TOTES_BENCH_PROFILE_DIR, name)}`]
          : []),
      ],
      // Whatever a child prints goes to stderr: stdout carries only the report (or the JSON).
      stdio: ["ignore", 2, 2, "ipc"],
      // The load child stands in for the load function's process: started as it is.
      env: name === "load" ? { ...process.env, ...LOAD_ENVIRONMENT } : process.env,
    });
    let answer: RunnerMessage | undefined;
    child.on("message", (message: RunnerMessage) => (answer = message));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (answer?.ok) resolve(answer.report);
      else if (answer) reject(new Error(`${name} failed:\n${answer.error}`));
      else reject(new Error(`${name}: the child exited with ${signal ?? code} before reporting`));
    });
    child.send({ name, ctx });
  });
}
