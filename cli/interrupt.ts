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
  return {
    signal: interrupt.signal,
    get exitCode() {
      return exitCode;
    },
    release() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
