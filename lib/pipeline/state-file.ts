import { PipelineError } from "../errors.js";

/** A bookkeeping object (`_state/…`) that is not what the pipeline wrote. */
export class StateFileError extends PipelineError {
  constructor(
    readonly objectKey: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`state object ${objectKey}: ${problem}; restore it from the bucket's previous version`, options);
  }
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Reads a state object's JSON and checks its shape, so a damaged or foreign file stops the
 * stage with a message naming it, instead of flowing on as `undefined`s.
 */
export function parseStateFile<T>(
  objectKey: string,
  bytes: Uint8Array,
  shape: string,
  isValid: (value: unknown) => value is T,
): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (error) {
    throw new StateFileError(objectKey, "not JSON", { cause: error });
  }
  if (!isValid(value)) throw new StateFileError(objectKey, `not ${shape}`);
  return value;
}
