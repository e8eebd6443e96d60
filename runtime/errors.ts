import { PipelineError } from "../lib/errors.js";

/**
 * An operator command that cannot do what was asked; the message says what to do instead.
 * Defined here, below both runtimes, because `runtime/aws` and `runtime/local` raise it when
 * they open a target for the operators' tools (`ops/`), and nothing may import upward.
 */
export class OpsError extends PipelineError {}

/** A deployed stage whose resources cannot all be found. */
export class StageResolutionError extends OpsError {
  constructor(
    readonly stage: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`stage ${stage}: ${message}`, options);
  }
}
