import { openAwsTarget } from "../runtime/aws/ops-target.js";
import { openLocalTarget, type OpenTarget } from "../runtime/local/ops-target.js";

export interface TargetOptions {
  /** A deployed SST stage: the tools then talk to AWS. */
  readonly stage?: string;
  /** The local data directory (used when there is no stage). */
  readonly dataDir: string;
  /** With a stage: read its resources from this SST outputs file instead of their tags. */
  readonly outputsFile?: string;
}

/** `--stage` means AWS; otherwise the local runtime under the data directory. */
export function openTarget(options: TargetOptions): Promise<OpenTarget> {
  return options.stage ? openAwsTarget(options.stage, options) : openLocalTarget(options.dataDir);
}

/** Opens, runs, always closes (locally: saves the state back). */
export async function withTarget<T>(
  options: TargetOptions,
  fn: (open: OpenTarget) => Promise<T>,
): Promise<T> {
  const open = await openTarget(options);
  try {
    return await fn(open);
  } finally {
    await open.close();
  }
}
