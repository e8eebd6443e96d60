/**
 * Under `npx totes …` or `npm start`, node runs beneath npm and a `sh -c`: a supervisor's
 * SIGTERM or SIGINT goes to npm, which passes it to the shell, which dies without passing it
 * on, leaving node running with a new parent. So when npm started us (it sets npm_command),
 * the launcher's going is taken as that signal. (A plain `node bin/totes.mjs` under nohup is
 * left alone: its parent may go on purpose.) Returns a function that stops watching.
 */
export function onLauncherGone(then: () => void, everyMs = 500): () => void {
  if (!process.env.npm_command) return () => undefined;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    console.error("\ntotes: the npm/npx process that started this one has stopped (a signal to it)");
    then();
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Ctrl-C (or SIGTERM) for a command that drains the local queues: the first stops at a safe
 * point (between batches, the local queues saved); a second abandons at once. The embedded
 * server runs in its own session, so the terminal's signal does not take the databases away
 * under the batches in hand. `release()` removes the handlers (in a `finally`).
 */
export function interruptOnSignal(): {
  readonly signal: AbortSignal;
  /** 130 after SIGINT, 143 after SIGTERM (128 + the signal's number, as a shell reports it). */
  readonly exitCode: number;
  release(): void;
} {
  const interrupt = new AbortController();
  let exitCode = 130;
  const onSignal = (name: NodeJS.Signals) => {
    if (interrupt.signal.aborted) {
      console.error("totes: stopped without saving the local queues of the last seconds");
      process.exit(130);
    }
    interrupt.abort();
    if (name === "SIGTERM") exitCode = 143;
    console.error(
      `\n${name === "SIGTERM" ? "SIGTERM: " : ""}stopping after the batches in hand; local state will be saved (Ctrl-C again to abandon)`,
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const unwatch = onLauncherGone(() => onSignal("SIGTERM"));
  return {
    signal: interrupt.signal,
    get exitCode() {
      return exitCode;
    },
    release() {
      unwatch();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
